package dev.mvcert.agent.metrics;

import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics.DatabaseSnapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the shared state that /health and the gauges report: {@code audit.health} per target,
 * {@code audit.breaker}, the queue (depth, age of the oldest queued request) and how many agents
 * heartbeat. A failed read means "database unreachable".
 */
public final class DatabaseState {

    private static final Logger log = LoggerFactory.getLogger(DatabaseState.class);

    private final Database database;
    private final Set<String> ownedTargets;
    private final Duration liveWithin;

    /**
     * @param ownedTargets canonical target names this agent answers for; empty = every registered target
     * @param liveWithin   an agent counts as live when it heartbeat within this time (the agent's lease)
     */
    public DatabaseState(Database database, Set<String> ownedTargets, Duration liveWithin) {
        this.database = database;
        this.ownedTargets = ownedTargets;
        this.liveWithin = liveWithin;
    }

    public DatabaseSnapshot read() {
        try (Connection c = database.autocommit()) {
            List<TargetHealth> targets = readHealth(c);
            return readQueue(c, targets, readBreakers(c));
        } catch (RuntimeException | SQLException e) {
            log.warn("cannot read health from the database: {}", e.getMessage());
            return DatabaseSnapshot.unreachable();
        }
    }

    private List<TargetHealth> readHealth(Connection c) throws SQLException {
        List<TargetHealth> result = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT h.*, extract(epoch FROM h.age)::float8 AS age_seconds, "
                     + "extract(epoch FROM h.export_max_age)::float8 AS export_max_age_seconds FROM audit.health h ORDER BY h.target")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> columns = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    columns.put(md.getColumnLabel(i), rs.getString(i));
                }
                String target = columns.get("target");
                if (!ownedTargets.isEmpty() && !ownedTargets.contains(target)) {
                    continue;
                }
                String status = columns.getOrDefault("status", "UNKNOWN");
                boolean stale = isTrue(columns.get("stale"));
                boolean certified = "CERTIFIED".equals(status == null ? null : status.toUpperCase(Locale.ROOT));
                boolean exportAllowed = isTrue(columns.getOrDefault("export_allowed", columns.get("exports_allowed")));
                String age = columns.get("age_seconds");
                result.add(new TargetHealth(target, status, certified, stale, exportAllowed,
                        age == null ? null : Double.valueOf(age), columns));
            }
        }
        return result;
    }

    private static Map<String, String> readBreakers(Connection c) throws SQLException {
        Map<String, String> breakers = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT matview, state FROM audit.breaker ORDER BY matview")) {
            while (rs.next()) {
                breakers.put(rs.getString(1), rs.getString(2));
            }
        }
        return breakers;
    }

    private DatabaseSnapshot readQueue(Connection c, List<TargetHealth> targets, Map<String, String> breakers) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), "
                + "coalesce(extract(epoch FROM clock_timestamp() - min(requested_at)), 0)::float8, "
                + "(SELECT count(*) FROM audit.agent a WHERE a.stopped_at IS NULL "
                + "AND a.last_seen_at > clock_timestamp() - ? * interval '1 millisecond') "
                + "FROM audit.run_request WHERE status = 'queued'")) {
            ps.setLong(1, liveWithin.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new DatabaseSnapshot(true, targets, breakers, rs.getLong(1), rs.getLong(3), rs.getDouble(2));
            }
        }
    }

    private static boolean isTrue(String pgBoolean) {
        return "t".equals(pgBoolean) || "true".equals(pgBoolean);
    }
}

package dev.mvcert.agent.metrics;

import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics.DatabaseSnapshot;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
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
 * {@code audit.breaker} and the depth of the queue. A failed read means "database unreachable".
 */
public final class DatabaseState {

    private static final Logger log = LoggerFactory.getLogger(DatabaseState.class);

    private final Database database;
    private final Set<String> ownedTargets;

    /** @param ownedTargets canonical target names this agent answers for; empty = every registered target */
    public DatabaseState(Database database, Set<String> ownedTargets) {
        this.database = database;
        this.ownedTargets = ownedTargets;
    }

    public DatabaseSnapshot read() {
        try (Connection c = database.autocommit()) {
            List<TargetHealth> targets = readHealth(c);
            return new DatabaseSnapshot(true, targets, readBreakers(c), readQueueDepth(c));
        } catch (RuntimeException | SQLException e) {
            log.warn("cannot read health from the database: {}", e.getMessage());
            return DatabaseSnapshot.unreachable();
        }
    }

    private List<TargetHealth> readHealth(Connection c) throws SQLException {
        List<TargetHealth> result = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT h.*, extract(epoch FROM h.age)::float8 AS age_seconds FROM audit.health h ORDER BY h.target")) {
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

    private static long readQueueDepth(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.run_request WHERE status = 'queued'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean isTrue(String pgBoolean) {
        return "t".equals(pgBoolean) || "true".equals(pgBoolean);
    }
}

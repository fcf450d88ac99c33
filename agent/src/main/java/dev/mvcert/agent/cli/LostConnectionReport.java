package dev.mvcert.agent.cli;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.agent.db.LostConnection;
import dev.mvcert.agent.logging.LostConnectionTrail;
import dev.mvcert.agent.logging.LostConnectionTrail.Incident;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The one line a command prints when its database connection went away mid-command: the
 * run (or certification) it interrupted, the views in flight, and what the server said.
 */
final class LostConnectionReport {

    private static final Logger log = LoggerFactory.getLogger(LostConnectionReport.class);

    /** How long to wait for a restarting server to say which run it was. */
    private static final Duration LOOKUP_PATIENCE = Duration.ofSeconds(10);

    private LostConnectionReport() {
    }

    static String line(LostConnection loss, CommandLine command) {
        String name = command.getCommandName();
        String target = command.getParseResult() == null ? null : command.getParseResult().matchedOptionValue("--target", null);
        Incident incident = LostConnectionTrail.incident(loss, Map.of());
        if (incident.target() == null && target != null) {
            incident = incident.withTarget(target);
        }
        if ("run".equals(name) && command.getCommand() instanceof AgentCommand agent) {
            // The server's history says best which run it was (an atomic run reports its id only
            // when it ends) and which views it was refreshing: ask it, once it is back.
            Optional<Incident> recorded = lastRunOfThisProcess(agent, incident);
            if (recorded.isPresent()) {
                incident = recorded.get();
            }
        }
        String activity = switch (name) {
            case "run" -> "the run of " + (incident.target() == null ? target : incident.target());
            case "certify" -> "the certification of " + (incident.target() == null ? target : incident.target());
            default -> "mvcert " + name;
        };
        return incident.describe(activity);
    }

    /**
     * The incident completed with the latest run this process began (its executor is
     * agent:host:pid) and the steps it left running, if the server answers within the patience.
     */
    private static Optional<Incident> lastRunOfThisProcess(AgentCommand command, Incident incident) {
        ConnectionSettings settings;
        try {
            settings = command.connectionSettings();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        Properties props = settings.driverProperties("mvcert lost-connection report");
        props.setProperty("loginTimeout", "2");
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "5");
        // wall clock at JVM start (ProcessHandle's start instant is derived from uptime and can be seconds off)
        Instant processStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        long deadline = System.nanoTime() + LOOKUP_PATIENCE.toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), props);
                 PreparedStatement ps = c.prepareStatement("""
                         SELECT r.run_id, (SELECT string_agg(s.matview, ',' ORDER BY s.step_id) FROM audit.step s
                                            WHERE s.run_id = r.run_id AND s.status = 'running')
                           FROM audit.run r WHERE r.executor = ? AND r.started_at >= ? ORDER BY r.run_id DESC LIMIT 1""")) {
                ps.setString(1, "agent:" + AgentRuntime.defaultName());
                ps.setTimestamp(2, Timestamp.from(processStart.minusSeconds(5)));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Incident found = incident.withRunId(rs.getLong(1));
                    return Optional.of(rs.getString(2) == null ? found : found.withViews(List.of(rs.getString(2).split(","))));
                }
            } catch (SQLException e) {
                if (!LostConnection.isLoss(e) || System.nanoTime() > deadline) {
                    log.debug("could not look up the interrupted run: {}", e.toString());
                    return Optional.empty();
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}

package dev.mvcert.agent.cli;

import dev.mvcert.agent.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A readable picture of the targets: certification, freshness, last runs, breakers, agents. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show every target's certification and freshness (audit.health), the last runs, "
                + "circuit breakers that are not closed, and the agents serving the queue.")
final class StatusCommand extends AgentCommand {

    @Option(names = "--target", paramLabel = "VIEW", description = "Only this target.")
    String target;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "How many recent runs to list (default: ${DEFAULT-VALUE}).")
    int runs;

    @Override
    ExitCode execute() throws SQLException {
        if (runs < 0 || runs > 1000) {
            throw new dev.mvcert.agent.config.ConfigurationException("--runs must be between 0 and 1000 (got " + runs + ")");
        }
        try (Database db = openDatabase(1); Connection c = db.autocommit()) {
            String canonical = target == null ? null : canonical(c, target);
            section("Targets", c, "SELECT * FROM audit.health WHERE ?::text IS NULL OR target = ? ORDER BY target",
                    canonical, canonical);
            section("Recent runs", c, "SELECT run_id, target, mode, status, executor, started_at::timestamp(0) AS started, "
                    + "date_trunc('second', coalesce(finished_at, clock_timestamp()) - started_at) AS took, reason "
                    + "FROM audit.run WHERE ?::text IS NULL OR target = ? ORDER BY run_id DESC LIMIT " + runs,
                    canonical, canonical);
            section("Circuit breakers (not closed)", c, "SELECT matview, state, consecutive_failures, "
                    + "opened_at::timestamp(0) AS opened, last_error FROM audit.breaker WHERE state <> 'closed' ORDER BY matview");
            section("Agents", c, "SELECT name, host, pid, version, last_seen_at::timestamp(0) AS last_seen, "
                    + "CASE WHEN stopped_at IS NOT NULL THEN 'stopped' WHEN last_seen_at > clock_timestamp() - interval '1 minute' "
                    + "THEN 'alive' ELSE 'silent' END AS state FROM audit.agent ORDER BY last_seen_at DESC");
        }
        return ExitCode.OK;
    }

    private static String canonical(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT audit._qualified_name(?::regclass)")) {
            ps.setString(1, target);
            try (ResultSet rs = dev.mvcert.agent.run.Targets.executeNaming(ps, target)) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void section(String title, Connection c, String sql, String... params) throws SQLException {
        context.out().println(title);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                TextTable.of(rs).print(context.out());
            }
        }
        context.out().println();
    }
}

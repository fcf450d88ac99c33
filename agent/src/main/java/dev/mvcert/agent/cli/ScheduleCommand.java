package dev.mvcert.agent.cli;

import dev.mvcert.agent.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** pg_cron schedules of targets (audit.schedule / audit.unschedule): connect to pg_cron's database. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Schedule runs of a target with pg_cron. The job only queues a request (audit.request_run); "
                + "an agent (mvcert serve) runs it. Connect to the database named by cron.database_name.",
                "  mvcert schedule --target ml.x_v --cron '0 3 * * *'",
                "  mvcert schedule --target ml.x_v --remove [--job-name daily]",
                "  mvcert schedule --list"})
final class ScheduleCommand extends AgentCommand {

    @Option(names = "--target", paramLabel = "VIEW", description = "The target to schedule or unschedule.")
    String target;

    @Option(names = "--cron", paramLabel = "EXPR", description = "pg_cron expression, e.g. '0 3 * * *' (daily at 03:00) or '*/15 8-18 * * *'.")
    String cron;

    @Option(names = "--mode", paramLabel = "incremental|atomic|certify", defaultValue = "incremental",
            description = "What the scheduled request asks for (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--job-name", paramLabel = "NAME", description = "Job name suffix (default: the mode); jobs are named mvcert:<target>:<name>.")
    String jobName;

    @Option(names = "--remove", description = "Remove the target's job (--job-name) or all its jobs.")
    boolean remove;

    @Option(names = "--list", description = "List mvcert's pg_cron jobs.")
    boolean list;

    @Override
    ExitCode execute() throws SQLException {
        int actions = (list ? 1 : 0) + (remove ? 1 : 0) + (cron != null ? 1 : 0);
        if (actions != 1) {
            throw new dev.mvcert.agent.config.ConfigurationException(
                    "give exactly one of --cron EXPR (schedule), --remove or --list");
        }
        if (!list && target == null) {
            throw new dev.mvcert.agent.config.ConfigurationException("--target is required with " + (remove ? "--remove" : "--cron"));
        }
        try (Database db = openDatabase(1); Connection c = db.autocommit()) {
            if (list) {
                try (PreparedStatement ps = c.prepareStatement("SELECT jobid, jobname, schedule, command, active "
                        + "FROM cron.job WHERE jobname LIKE 'mvcert:%' ORDER BY jobname");
                     ResultSet rs = ps.executeQuery()) {
                    TextTable.of(rs).print(context.out());
                }
            } else if (remove) {
                try (PreparedStatement ps = c.prepareStatement("SELECT audit.unschedule(?::regclass, ?)")) {
                    ps.setString(1, target);
                    ps.setString(2, jobName);
                    try (ResultSet rs = dev.mvcert.agent.run.Targets.executeNaming(ps, target)) {
                        rs.next();
                        context.out().println("removed " + rs.getInt(1) + " job(s) of " + target);
                    }
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("SELECT audit.schedule(?::regclass, ?, ?, ?)")) {
                    ps.setString(1, target);
                    ps.setString(2, cron);
                    ps.setString(3, mode);
                    ps.setString(4, jobName);
                    try (ResultSet rs = dev.mvcert.agent.run.Targets.executeNaming(ps, target)) {
                        rs.next();
                        context.out().println("scheduled " + target + " (" + mode + ") at '" + cron + "': pg_cron job " + rs.getLong(1));
                    }
                }
            }
        }
        return ExitCode.OK;
    }
}

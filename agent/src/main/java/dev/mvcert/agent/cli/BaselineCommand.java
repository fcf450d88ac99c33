package dev.mvcert.agent.cli;

import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.run.Targets;
import dev.mvcert.engine.Mvcert;
import java.sql.Connection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Re-baselining as runbook 001 section 3.2 asks: capture the current definition and dataset
 * hashes, review them, then accept the capture with a note. Certifying never changes a baseline.
 */
@Command(name = "baseline", mixinStandardHelpOptions = true,
        description = "Capture and accept certification baselines (view-definition and dataset hashes).",
        subcommands = {BaselineCommand.Capture.class, BaselineCommand.Accept.class})
final class BaselineCommand extends AgentCommand {

    @Override
    ExitCode execute() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "baseline needs a subcommand: capture or accept");
    }

    @Command(name = "capture", mixinStandardHelpOptions = true,
            description = "Compute the target's current hashes as a capture for review; nothing changes until it is accepted.")
    static final class Capture extends AgentCommand {

        @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The target.")
        String target;

        @Option(names = "--note", paramLabel = "TEXT", description = "Why the capture is made (e.g. the change under review).")
        String note;

        @Override
        ExitCode execute() throws Exception {
            try (Database db = openDatabase(1); Connection c = db.transactional()) {
                String canonical = Targets.canonical(c, target);
                long captureId = new Mvcert(c).captureBaselines(canonical, note).captureId();
                c.commit();
                context.out().println("captured baseline " + captureId + " of " + canonical
                        + "; review it (audit.baseline_capture), then: mvcert baseline accept --capture " + captureId + " --note '...'");
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "accept", mixinStandardHelpOptions = true,
            description = "Make a reviewed capture the baseline (recorded with who, when, the note and the previous values).")
    static final class Accept extends AgentCommand {

        @Option(names = "--capture", required = true, paramLabel = "ID", description = "The capture id printed by baseline capture.")
        long captureId;

        @Option(names = "--note", required = true, paramLabel = "TEXT", description = "What was reviewed (required).")
        String note;

        @Override
        ExitCode execute() throws Exception {
            try (Database db = openDatabase(1); Connection c = db.transactional()) {
                int changed = new Mvcert(c).acceptBaseline(captureId, note);
                c.commit();
                context.out().println("accepted capture " + captureId + ": " + changed + " baseline entries changed");
            }
            return ExitCode.OK;
        }
    }
}

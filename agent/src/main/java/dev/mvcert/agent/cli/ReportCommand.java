package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.report.RunReportPage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The run report as one self-contained HTML page, for a browser or a ticket. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the report of a target's run as one self-contained HTML page (no external requests, works "
                + "without JavaScript): closure graph coloured by outcome, timeline with retries, critical path and past "
                + "medians, certification checks, registry status and open breakers. The agent serves the same page at "
                + "/report?target=VIEW[&run=N]."})
final class ReportCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The registered target.")
    String target;

    @Option(names = "--run", paramLabel = "N", description = "The run to report (default: the target's latest run).")
    Long run;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the page to this file (default: standard output).")
    Path out;

    @Override
    ExitCode execute() throws Exception {
        if (run != null && run <= 0) {
            throw new ConfigurationException("--run must be a positive run id (got " + run + ")");
        }
        RunReportPage.Rendered page;
        try (Database db = openDatabase(1); Connection c = db.transactional()) {
            page = RunReportPage.of(c, target, run);
        }
        if (out == null) {
            context.out().print(page.html());
            context.out().flush();
        } else {
            try {
                Files.writeString(out, page.html(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigurationException("--out " + out + ": cannot write the report (" + e.getMessage() + ")");
            }
            context.err().println("mvcert: report written to " + out);
        }
        return ExitCode.OK;
    }
}

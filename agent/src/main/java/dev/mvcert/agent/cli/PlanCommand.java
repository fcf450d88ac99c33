package dev.mvcert.agent.cli;

import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.run.Targets;
import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** What a run would do, without doing it. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the refresh plan of a target: its materialized views in dependency order, the level "
                + "(same level = may refresh in parallel), the refresh mode and why, and warnings.")
final class PlanCommand extends AgentCommand {

    @Option(names = "--target", required = true, paramLabel = "VIEW", description = "The target to plan.")
    String target;

    @Override
    ExitCode execute() throws Exception {
        try (Database db = openDatabase(1); Connection c = db.autocommit()) {
            String canonical = Targets.canonical(c, target);
            RefreshPlan plan = new Mvcert(c).plan(canonical);
            context.out().println("Refresh plan of " + canonical + " (" + plan.views().size() + " materialized views)");
            TextTable table = new TextTable(List.of("step", "level", "matview", "mode", "reason", "expected", "critical path",
                    "depends on", "warning"));
            for (PlannedView v : plan.views()) {
                List<String> row = new ArrayList<>();
                row.add(Integer.toString(v.step()));
                row.add(Integer.toString(v.level()));
                row.add(v.matview());
                row.add(v.mode());
                row.add(v.reason());
                row.add(v.expectedDuration() == null ? "-" : String.format("%.1f s", v.expectedDuration().toMillis() / 1000.0));
                row.add(v.criticalPath() ? "*" : "");
                row.add(String.join(", ", v.dependsOn()));
                row.add(v.warning());
                table.add(row);
            }
            table.print(context.out());
        }
        return ExitCode.OK;
    }
}

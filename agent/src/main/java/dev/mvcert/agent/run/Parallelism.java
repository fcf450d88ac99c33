package dev.mvcert.agent.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many views of an incremental run refresh at once when the user did not say
 * ({@code --parallel auto}): no more than the server has cores to spare, and no more than the
 * plan can use. Cores to spare are the server's cores less the sessions already running a
 * query there when the run starts (other clients, other runs): two CPU-bound refreshes on a
 * 2-core server that is busy help nobody, on an idle one they use both cores. What the plan
 * can use is its widest level, counting only views whose history says they take long enough
 * to be worth a connection of their own.
 */
public record Parallelism(int views, String why) {

    /** Views that refreshed faster than this in their recent history do not count towards the width. */
    static final Duration WORTH_A_CONNECTION = Duration.ofMillis(100);
    private static final Pattern HOST = Pattern.compile("^jdbc:postgresql://(?:\\[([^\\]]+)]|([^/:,?]+))");

    /**
     * @param serverCores the server's cores as configured ({@code --server-cores}), or 0 to detect:
     *                    the agent's own cores when the database is on this host, else 2 (unknown)
     * @param busy        sessions running a query on the server now, other than the agent's own;
     *                    asked only when the plan could use more than one view at once
     */
    public static Parallelism choose(int serverCores, String jdbcUrl, RefreshPlan plan, IntSupplier busy) {
        String coresSource;
        int cores;
        if (serverCores > 0) {
            cores = serverCores;
            coresSource = "--server-cores";
        } else if (isLocal(jdbcUrl)) {
            cores = Runtime.getRuntime().availableProcessors();
            coresSource = "the database is on this host";
        } else {
            cores = 2;
            coresSource = "server cores unknown (--server-cores)";
        }
        // a loop and concatenation, not a stream and a format: this runs once per process, before
        // the first step, where the JDK's stream and format machinery costs milliseconds to start
        Map<Integer, Integer> perLevel = new HashMap<>();
        int width = 1;
        for (PlannedView v : plan.views()) {
            if (v.expectedDuration() == null || v.expectedDuration().compareTo(WORTH_A_CONNECTION) >= 0) {
                Integer before = perLevel.get(v.level());
                int count = before == null ? 1 : before + 1;
                perLevel.put(v.level(), count);
                width = Math.max(width, count);
            }
        }
        String coresSaid = cores + " server cores (" + coresSource + "), ";
        String widest = "widest level of views worth a connection " + width;
        if (width <= 1 || cores <= 1) {
            // one view at a time whatever the server is doing: nothing to ask it
            return new Parallelism(1, coresSaid + widest);
        }
        int busyNow = Math.max(0, busy.getAsInt());
        int spare = Math.max(1, cores - busyNow);
        int views = Math.max(1, Math.min(width, spare));
        return new Parallelism(views, coresSaid + busyNow + " busy with other queries, " + widest);
    }

    static boolean isLocal(String jdbcUrl) {
        Matcher m = HOST.matcher(jdbcUrl == null ? "" : jdbcUrl);
        if (!m.find()) {
            return false;
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1");
    }
}

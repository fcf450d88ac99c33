package dev.mvcert.agent.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an agent's text log says it committed: each line is written only after the commit
 * it reports (a step's work and history, a run's certification, a queue claim).
 */
public final class AgentLog {

    private static final Pattern STEP = Pattern.compile("\\[([^\\]]*)\\] refreshed (\\S+) \\S+ in .*\\(attempt (\\d+)\\)$");
    private static final Pattern RUN = Pattern.compile("\\] run (\\d+) of (\\S+) \\((\\w+)\\) ended certified in ");
    private static final Pattern CLAIM = Pattern.compile("\\] claimed request (\\d+): ");
    private static final Pattern RUN_ID = Pattern.compile("(?:^|, )run_id=(\\d+)");

    private final String text;

    public AgentLog(String text) {
        this.text = text;
    }

    /** A refresh step the agent reported committed. */
    public record Step(long runId, String matview, int attempt) {
    }

    public List<Step> committedSteps() {
        List<Step> steps = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher m = STEP.matcher(line);
            if (m.find()) {
                Matcher run = RUN_ID.matcher(m.group(1));
                if (!run.find()) {
                    throw new AssertionError("a step line without its run id: " + line);
                }
                steps.add(new Step(Long.parseLong(run.group(1)), m.group(2), Integer.parseInt(m.group(3))));
            }
        }
        return steps;
    }

    /** Runs the agent reported certified (their certification committed). */
    public List<Long> certifiedRuns() {
        return matches(RUN);
    }

    /** Queue requests the agent reported claimed (the claim committed). */
    public List<Long> claimedRequests() {
        return matches(CLAIM);
    }

    private List<Long> matches(Pattern pattern) {
        List<Long> ids = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                ids.add(Long.parseLong(m.group(1)));
            }
        }
        return ids;
    }
}

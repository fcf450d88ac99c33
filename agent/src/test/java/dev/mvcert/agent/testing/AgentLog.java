package dev.mvcert.agent.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an agent's text log says happened: steps that succeeded (an incremental run's step is
 * committed before its line is written; an atomic run's only when the run is), runs that ended
 * certified (written after the commit that published them) and queue claims (committed at once).
 */
public final class AgentLog {

    private static final Pattern STEP = Pattern.compile("\\] mvcert run (\\d+): (\\S+) succeeded \\S+ in ");
    private static final Pattern RUN = Pattern.compile("\\] run (\\d+) of (\\S+) \\((\\w+)\\) ended certified in ");
    private static final Pattern CLAIM = Pattern.compile("\\] claimed request (\\d+): ");

    private final String text;

    public AgentLog(String text) {
        this.text = text;
    }

    /** A refresh step the agent reported succeeded. */
    public record Step(long runId, String matview) {
    }

    public List<Step> succeededSteps() {
        List<Step> steps = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher m = STEP.matcher(line);
            if (m.find()) {
                steps.add(new Step(Long.parseLong(m.group(1)), m.group(2)));
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

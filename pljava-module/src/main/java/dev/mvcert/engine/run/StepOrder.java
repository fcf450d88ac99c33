package dev.mvcert.engine.run;

import java.util.Locale;

/**
 * Which of the views ready to start goes first. CHEAPEST_FIRST (runbook 07): the shortest
 * expected refresh first, so an upstream data problem shows before the heaviest view runs;
 * views without history go last. CRITICAL_PATH_FIRST: the longest expected remaining chain
 * first, which shortens the whole run when views run in parallel.
 */
public enum StepOrder {
    CHEAPEST_FIRST, CRITICAL_PATH_FIRST;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StepOrder fromSql(String value) {
        if (value != null) {
            for (StepOrder order : values()) {
                if (order.sqlName().equalsIgnoreCase(value.trim().replace('-', '_'))) {
                    return order;
                }
            }
        }
        throw new IllegalArgumentException("unknown step order '" + value + "': use cheapest_first or critical_path_first");
    }
}

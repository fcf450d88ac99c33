package dev.mvcert.engine.refresh;

import java.util.Locale;

/** How one refresh step ended, as stored in audit.step.status. */
public enum StepStatus {
    SUCCEEDED, FAILED, SKIPPED;

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.mvcert.engine.certify;

import java.util.Objects;

/**
 * The outcome of one check on one object: e.g. {@code time_of_query_token} on
 * {@code ml.x_mv}. {@code detail} says, when the check failed, what a DBA should look at.
 */
public record CheckResult(String check, String object, boolean passed, String detail) {

    public CheckResult {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(object, "object");
    }

    static CheckResult pass(String check, String object, String detail) {
        return new CheckResult(check, object, true, detail);
    }

    static CheckResult fail(String check, String object, String detail) {
        return new CheckResult(check, object, false, detail);
    }
}

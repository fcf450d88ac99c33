package dev.mvcert.agent.run;

import dev.mvcert.agent.config.ConfigurationException;
import java.util.Locale;

/** One run to execute: from `mvcert run` or a claimed queue request. */
public record RunRequest(String target, Mode mode, String requestedBy, Long requestId) {

    /** What the run does: refresh step by step, refresh+certify in one transaction, or certify only. */
    public enum Mode {
        INCREMENTAL, ATOMIC, CERTIFY;

        public String sql() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode parse(String text, String setting) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new ConfigurationException(setting + " must be incremental, atomic or certify (got " + text + ")");
            }
        }
    }
}

package dev.mvcert.engine.errors;

/**
 * What kind of failure a SQLSTATE stands for, and whether retrying can help. Mirrors the SQL
 * function {@code audit.error_class(sqlstate, message)} and {@code audit.error_class_retryable},
 * which history rows are classified with; a test keeps both in step.
 */
public enum ErrorClass {
    LOCK_TIMEOUT(true),
    STATEMENT_TIMEOUT(true),
    CANCELED(false),
    DEADLOCK(true),
    SERIALIZATION(true),
    RESOURCES(true),
    CONNECTION(true),
    PERMISSION(false),
    DEFINITION(false),
    DATA(false),
    INTERNAL(false),
    OTHER(false);

    private final boolean retryable;

    ErrorClass(boolean retryable) {
        this.retryable = retryable;
    }

    /** Transient conditions are worth a retry; errors in data, definitions or privileges are not. */
    public boolean retryable() {
        return retryable;
    }

    /** The name used in SQL and in history rows, e.g. {@code lock_timeout}. */
    public String sqlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Classifies by SQLSTATE alone; 57014 counts as a statement timeout. */
    public static ErrorClass of(String sqlState) {
        return of(sqlState, null);
    }

    /** Classifies by SQLSTATE; for 57014 the message tells a statement timeout from a cancel. */
    public static ErrorClass of(String sqlState, String message) {
        if (sqlState == null || sqlState.length() != 5) {
            return OTHER;
        }
        String family = sqlState.substring(0, 2);
        switch (sqlState) {
            case "55P03", "55006": return LOCK_TIMEOUT;
            case "57014": return message == null || message.contains("statement timeout") ? STATEMENT_TIMEOUT : CANCELED;
            case "40P01": return DEADLOCK;
            case "57P01", "57P02", "57P03", "57P04": return CONNECTION;
            case "42501": return PERMISSION;
            default: break;
        }
        return switch (family) {
            case "40" -> SERIALIZATION;
            case "53", "58" -> RESOURCES;
            case "08" -> CONNECTION;
            case "42", "0A", "55", "54" -> DEFINITION;
            case "22", "23", "21", "27" -> DATA;
            case "XX" -> INTERNAL;
            default -> OTHER;
        };
    }
}

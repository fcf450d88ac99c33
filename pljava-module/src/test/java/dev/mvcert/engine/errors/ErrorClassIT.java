package dev.mvcert.engine.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class ErrorClassIT {

    private static final String[] STATES = {"55P03", "55006", "57014", "40P01", "40001", "40003", "53100", "53200",
            "53400", "58030", "08006", "08001", "57P01", "42501", "42P01", "42703", "0A000", "55000", "54000",
            "22012", "23505", "21000", "XX000", "P0001", "25P02", "0B000", "abc", ""};

    @Test
    void sqlAndJavaClassifyEverySqlstateTheSameWay(TestDatabase db) {
        for (String state : STATES) {
            for (String message : new String[] {null, "canceling statement due to user request"}) {
                ErrorClass java = ErrorClass.of(state, message);
                String sql = db.queryValue(String.class, "SELECT audit.error_class(?, ?)", state, message);
                assertEquals(java.sqlName(), sql, "class of " + state + " / " + message);
                assertEquals(java.retryable(), db.queryValue(Boolean.class, "SELECT audit.error_class_retryable(?)", sql),
                        "retryable of " + sql);
            }
        }
    }
}

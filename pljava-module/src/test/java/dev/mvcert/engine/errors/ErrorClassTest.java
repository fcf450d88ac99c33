package dev.mvcert.engine.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorClassTest {

    @Test
    void timeoutsLocksAndTransientFailuresAreRetryable() {
        assertEquals(ErrorClass.LOCK_TIMEOUT, ErrorClass.of("55P03"));
        assertEquals(ErrorClass.STATEMENT_TIMEOUT, ErrorClass.of("57014", "canceling statement due to statement timeout"));
        assertEquals(ErrorClass.DEADLOCK, ErrorClass.of("40P01"));
        assertEquals(ErrorClass.SERIALIZATION, ErrorClass.of("40001"));
        assertEquals(ErrorClass.RESOURCES, ErrorClass.of("53100"));
        assertEquals(ErrorClass.CONNECTION, ErrorClass.of("08006"));
        for (String state : new String[] {"55P03", "57014", "40P01", "40001", "53200", "08006", "57P01"}) {
            assertTrue(ErrorClass.of(state).retryable(), state);
        }
    }

    @Test
    void errorsInDataDefinitionsOrPrivilegesAndCancelsAreNotRetryable() {
        assertEquals(ErrorClass.CANCELED, ErrorClass.of("57014", "canceling statement due to user request"));
        assertEquals(ErrorClass.DATA, ErrorClass.of("22012"));
        assertEquals(ErrorClass.DATA, ErrorClass.of("23505"));
        assertEquals(ErrorClass.DEFINITION, ErrorClass.of("42P01"));
        assertEquals(ErrorClass.PERMISSION, ErrorClass.of("42501"));
        assertEquals(ErrorClass.OTHER, ErrorClass.of(null));
        for (String state : new String[] {"22012", "23505", "42P01", "42501", "XX000", "P0001"}) {
            assertFalse(ErrorClass.of(state).retryable(), state);
        }
        assertFalse(ErrorClass.of("57014", "canceling statement due to user request").retryable());
    }
}

package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void ceilingsDoubleUpToTheMaximum() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(5), () -> 1.0);
        assertEquals(Duration.ofSeconds(1), p.ceilingBefore(2));
        assertEquals(Duration.ofSeconds(2), p.ceilingBefore(3));
        assertEquals(Duration.ofSeconds(4), p.ceilingBefore(4));
        assertEquals(Duration.ofSeconds(5), p.ceilingBefore(5));
        assertEquals(Duration.ofSeconds(5), p.ceilingBefore(40));
    }

    @Test
    void fullJitterDelaysStayWithinTheirCeilingAndSpreadOverIt() {
        Random random = new Random(42);
        RetryPolicy p = new RetryPolicy(10, Duration.ofHours(1), Duration.ofMillis(100), Duration.ofSeconds(60), random::nextDouble);
        long below = 0;
        long above = 0;
        for (int i = 0; i < 1000; i++) {
            Duration d = p.delayBefore(4);
            assertTrue(!d.isNegative() && d.compareTo(Duration.ofMillis(400)) <= 0, d.toString());
            if (d.toMillis() < 200) {
                below++;
            } else {
                above++;
            }
        }
        assertTrue(below > 350 && above > 350, below + " / " + above);
    }

    @Test
    void nonRetryableErrorsAreNeverRetried() {
        RetryPolicy p = new RetryPolicy(5, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(1), () -> 1.0);
        RetryPolicy.Decision d = p.decide(false, 1, Duration.ZERO);
        assertFalse(d.retry());
        assertEquals(RetryPolicy.GiveUp.NOT_RETRYABLE, d.reason());
    }

    @Test
    void retryableErrorsStopAtTheAttemptLimitOrTheTimeBudget() {
        RetryPolicy p = new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 1.0);
        assertTrue(p.decide(true, 1, Duration.ZERO).retry());
        assertEquals(Duration.ofSeconds(2), p.decide(true, 2, Duration.ZERO).delay());
        assertEquals(RetryPolicy.GiveUp.BUDGET_EXCEEDED, p.decide(true, 3, Duration.ZERO).reason());
        // one more wait would take the view past its 10 s budget
        assertEquals(RetryPolicy.GiveUp.BUDGET_EXCEEDED, p.decide(true, 1, Duration.ofMillis(9500)).reason());
    }
}

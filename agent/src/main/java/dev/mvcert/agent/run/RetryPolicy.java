package dev.mvcert.agent.run;

import dev.mvcert.agent.config.AgentSettings;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to try a failed refresh again: only for retryable error classes, at most
 * {@code maxAttempts} attempts, and only while the view's total time (attempts and waits)
 * stays within {@code budget}. Waits grow exponentially with full jitter: before attempt
 * {@code n} the agent sleeps a random time in [0, min(max, base * 2^(n-2))], which spreads
 * agents that failed together (a lock held by one writer) instead of retrying in lockstep.
 */
public final class RetryPolicy {

    private final int maxAttempts;
    private final Duration budget;
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier jitter;

    public RetryPolicy(int maxAttempts, Duration budget, Duration base, Duration max, DoubleSupplier jitter) {
        this.maxAttempts = maxAttempts;
        this.budget = budget;
        this.base = base;
        this.max = max;
        this.jitter = jitter;
    }

    public static RetryPolicy of(AgentSettings settings) {
        return new RetryPolicy(settings.maxAttempts, settings.retryBudget, settings.backoffBase, settings.backoffMax,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration budget() {
        return budget;
    }

    /** The largest wait before attempt {@code attempt} (2 = first retry): base, 2*base, 4*base, ... capped at max. */
    public Duration ceilingBefore(int attempt) {
        int doublings = Math.min(Math.max(attempt - 2, 0), 30);
        Duration ceiling = base.multipliedBy(1L << doublings);
        return ceiling.compareTo(max) > 0 ? max : ceiling;
    }

    /** The wait before attempt {@code attempt}: a uniformly random part of its ceiling. */
    public Duration delayBefore(int attempt) {
        double fraction = Math.min(1.0, Math.max(0.0, jitter.getAsDouble()));
        return Duration.ofNanos((long) (ceilingBefore(attempt).toNanos() * fraction));
    }

    /** What to do after a failed attempt. */
    public Decision decide(boolean retryable, int attemptsMade, Duration elapsed) {
        if (!retryable) {
            return Decision.giveUp(GiveUp.NOT_RETRYABLE);
        }
        if (attemptsMade >= maxAttempts) {
            return Decision.giveUp(GiveUp.BUDGET_EXCEEDED);
        }
        Duration delay = delayBefore(attemptsMade + 1);
        if (elapsed.plus(delay).compareTo(budget) >= 0) {
            return Decision.giveUp(GiveUp.BUDGET_EXCEEDED);
        }
        return new Decision(true, delay, null);
    }

    public enum GiveUp { NOT_RETRYABLE, BUDGET_EXCEEDED }

    /** Retry after {@code delay}, or give up for {@code reason}. */
    public record Decision(boolean retry, Duration delay, GiveUp reason) {
        static Decision giveUp(GiveUp reason) {
            return new Decision(false, Duration.ZERO, reason);
        }
    }
}

package dev.mvcert.agent.run;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The agent's one "stop now" signal and its one interruptible wait: retries wait out their
 * backoff and the queue worker its reconnect backoff here, and both wake at once when the agent
 * is asked to stop.
 */
public final class Stopping {

    private final Object lock = new Object();
    private volatile String reason;

    /** Asks everything waiting here, and every run, to stop; the first reason given is kept. */
    public void stop(String why) {
        synchronized (lock) {
            if (reason == null) {
                reason = why;
            }
            lock.notifyAll();
        }
    }

    public boolean requested() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** Sleeps for {@code delay}; returns false at once when (or as soon as) a stop is requested. */
    public boolean sleep(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        synchronized (lock) {
            while (reason == null) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }
}

package dev.mvcert.agent.run;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM/SIGINT handling: stop starting work at once, let running steps finish within the
 * grace period, then cancel them, and keep the JVM alive until the run has recorded how it
 * ended. The JVM exits when the shutdown hook returns, so the hook waits for {@link #finished()}.
 */
public final class GracefulShutdown implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);
    /** How long cancelled work may take to roll back and record its end before the JVM exits anyway. */
    public static final Duration CANCEL_WAIT = Duration.ofSeconds(30);

    private final Thread hook;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean requested;

    /**
     * @param stop   stops claiming and starting steps
     * @param cancel cancels running statements once the grace period is over
     */
    public GracefulShutdown(Duration grace, Runnable stop, Runnable cancel) {
        hook = new Thread(() -> {
            requested = true;
            log.info("shutdown requested: no new work; running steps have {} to finish", grace);
            stop.run();
            try {
                if (!done.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("grace period of {} over: cancelling running steps", grace);
                    cancel.run();
                    if (!done.await(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        log.error("work did not end {} after cancelling; exiting anyway", CANCEL_WAIT);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mvcert-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public boolean requested() {
        return requested;
    }

    /** The work has ended and recorded its outcome: the JVM may exit. */
    public void finished() {
        done.countDown();
    }

    @Override
    public void close() {
        finished();
        if (!requested) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs now and sees finished()
            }
        }
    }
}

package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;

/**
 * How many of a run's steps run at once, and on which threads. The orchestrator
 * ({@link RefreshRun}) decides which view goes next and what its result means; a scheduler only
 * runs what it is handed. {@link #sequential()} runs each step in the caller's thread, one at a
 * time (in-database, atomic runs); the agent runs them on a pool of threads.
 */
public interface StepScheduler {

    /** A step that ended: its result, or the exception that ended it. */
    record Finished(PlannedView view, StepResult result, Exception error) {}

    /** How many steps may run at once. */
    int parallelism();

    /** Starts the work of one view; its end is reported by {@link #next()}. */
    void submit(PlannedView view, Callable<StepResult> work);

    /** Waits for the next step to end. */
    Finished next() throws InterruptedException;

    /** One step at a time, in the calling thread. */
    static StepScheduler sequential() {
        return new StepScheduler() {
            private final Deque<Finished> done = new ArrayDeque<>();

            @Override
            public int parallelism() {
                return 1;
            }

            @Override
            public void submit(PlannedView view, Callable<StepResult> work) {
                try {
                    done.add(new Finished(view, work.call(), null));
                } catch (Exception e) {
                    done.add(new Finished(view, null, e));
                }
            }

            @Override
            public Finished next() {
                return done.remove();
            }
        };
    }
}

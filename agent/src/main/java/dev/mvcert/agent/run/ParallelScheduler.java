package dev.mvcert.agent.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.run.StepScheduler;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.MDC;

/**
 * The agent's steps run on up to {@code parallel} threads of their own (each step then takes a
 * pooled connection). The log context of the thread that submits (target, run id) follows each
 * step, with the view's name added.
 */
final class ParallelScheduler implements StepScheduler, AutoCloseable {

    private volatile int parallel;
    private final ExecutorService pool;
    private final CompletionService<Finished> done;

    /** Up to {@code threads} steps at once; {@link #parallelism(int)} may lower that once the run's plan is known. */
    ParallelScheduler(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallel must be at least 1, got " + threads);
        }
        this.parallel = threads;
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor steps = new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "mvcert-refresh-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // the first step's thread starts now, while the run reads its plan, not when that step is due
        steps.prestartCoreThread();
        this.pool = steps;
        this.done = new ExecutorCompletionService<>(pool);
    }

    @Override
    public int parallelism() {
        return parallel;
    }

    void parallelism(int views) {
        this.parallel = views;
    }

    @Override
    public void submit(PlannedView view, Callable<StepResult> work) {
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        done.submit(() -> {
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            MDC.put("matview", view.matview());
            try {
                return new Finished(view, work.call(), null);
            } catch (Exception e) {
                return new Finished(view, null, e);
            } finally {
                MDC.clear();
            }
        });
    }

    @Override
    public Finished next() throws InterruptedException {
        try {
            return done.take().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}

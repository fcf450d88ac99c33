package dev.mvcert.agent.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.engine.run.RunContext;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;


/**
 * Progress of a long run on a terminal: steps done / total, the views refreshing now, elapsed
 * time, and an ETA from the plan's expected durations (the same medians of earlier refreshes
 * the run orders its views by). One status line, redrawn every second.
 */
public final class TerminalProgress implements RunListener, AutoCloseable {

    private final PrintStream out;
    private final int parallel;
    private final Map<String, Long> running = new ConcurrentHashMap<>();
    private final Map<String, Duration> expected = new ConcurrentHashMap<>();
    private final Map<String, Boolean> done = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mvcert-progress");
        t.setDaemon(true);
        return t;
    });
    private volatile int total;
    private volatile long startedAt;

    public TerminalProgress(PrintStream out, int parallel) {
        this.out = out;
        this.parallel = Math.max(1, parallel);
    }

    @Override
    public void runStarted(RunContext run) {
        total = run.plan().views().size();
        startedAt = System.nanoTime();
        for (PlannedView v : run.plan().views()) {
            if (v.expectedDuration() != null) {
                expected.put(v.matview(), v.expectedDuration());
            }
        }
        ticker.scheduleAtFixedRate(this::draw, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void stepStarted(RunContext run, PlannedView view, int attempt) {
        running.put(view.matview(), System.nanoTime());
        draw();
    }

    @Override
    public void stepFinished(RunContext run, PlannedView view, StepResult result) {
        running.remove(view.matview());
        done.put(view.matview(), true);
        draw();
    }

    @Override
    public void stepSkipped(RunContext run, PlannedView view, StepResult result) {
        done.put(view.matview(), true);
        draw();
    }

    @Override
    public void runFinished(RunResult result) {
        ticker.shutdownNow();
        synchronized (out) {
            out.print("\r\033[K");
            out.flush();
        }
    }

    /** The status line, e.g. "[3/6] 00:42 elapsed, ETA 01:10 | refreshing ml.a_mv, ml.b_mv". */
    String line() {
        long now = System.nanoTime();
        Duration elapsed = Duration.ofNanos(now - startedAt);
        StringBuilder b = new StringBuilder();
        b.append('[').append(done.size()).append('/').append(total).append("] ").append(clock(elapsed)).append(" elapsed");
        Duration eta = eta(now);
        if (eta != null) {
            b.append(", ETA ").append(clock(eta));
        }
        if (!running.isEmpty()) {
            b.append(" | refreshing ").append(String.join(", ", running.keySet()));
        }
        return b.toString();
    }

    /** Remaining expected work (from history) spread over the parallel workers; null without history. */
    private Duration eta(long now) {
        if (expected.isEmpty()) {
            return null;
        }
        long nanos = 0;
        for (Map.Entry<String, Duration> e : expected.entrySet()) {
            if (done.containsKey(e.getKey())) {
                continue;
            }
            Long since = running.get(e.getKey());
            long left = e.getValue().toNanos() - (since == null ? 0 : now - since);
            nanos += Math.max(left, 0);
        }
        return Duration.ofNanos(nanos / parallel);
    }

    private void draw() {
        if (startedAt == 0) {
            return;
        }
        synchronized (out) {
            out.print("\r\033[K" + line());
            out.flush();
        }
    }

    private static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%02d:%02d", s / 60, s % 60);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}

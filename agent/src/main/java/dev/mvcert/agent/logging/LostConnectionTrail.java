package dev.mvcert.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.mvcert.agent.db.LostConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Remembers where the agent saw its database connections go away, so the one line that
 * reports the loss can name the run, the views in flight and what the server said. When the
 * server dies, the first to notice are the pool and the threads refreshing views (their log
 * calls carry the run id and view in the MDC); the exception that finally ends a command is
 * often just HikariCP's "Connection is closed", after the pool evicted the connection.
 *
 * <p>A Logback turbo filter (installed by LogSetup): it sees every log
 * call, also those below the logger's level (HikariCP's warnings are off unless verbose),
 * and never filters anything out.
 */
public final class LostConnectionTrail extends TurboFilter {

    /** Sightings older than this belong to another incident. */
    private static final Duration MEMORY = Duration.ofMinutes(2);
    private static final int MAX_SIGHTINGS = 32;
    private static final Deque<Sighting> SIGHTINGS = new ConcurrentLinkedDeque<>();

    /** One log call that carried a lost connection, with the MDC of the thread that made it. */
    record Sighting(long atNanos, LostConnection loss, String runId, String target, String matview) {
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        Throwable thrown = t != null ? t
                : params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last ? last : null;
        if (thrown != null) {
            LostConnection.of(thrown).ifPresent(LostConnectionTrail::sighted);
        }
        return FilterReply.NEUTRAL;
    }

    /** Records a loss seen by the calling thread (the MDC says which run and view it was working on). */
    public static void sighted(LostConnection loss) {
        SIGHTINGS.addLast(new Sighting(System.nanoTime(), loss, MDC.get("run_id"), MDC.get("target"), MDC.get("matview")));
        while (SIGHTINGS.size() > MAX_SIGHTINGS) {
            SIGHTINGS.pollFirst();
        }
    }

    /** Forgets every sighting: a new command starts. */
    public static void forget() {
        SIGHTINGS.clear();
    }

    /**
     * The incident {@code loss} belongs to: the context given (the MDC of the event that reports
     * it, may be empty) completed from recent sightings, and the first thing the server said.
     */
    public static Incident incident(LostConnection loss, Map<String, String> context) {
        long since = System.nanoTime() - MEMORY.toNanos();
        List<Sighting> recent = new ArrayList<>();
        for (Sighting s : SIGHTINGS) {
            if (s.atNanos() - since > 0) {
                recent.add(s);
            }
        }
        // what the server said beats what the driver saw, which beats the pool's bare "Connection is closed"
        LostConnection said = loss;
        for (Sighting s : recent) {
            if (s.loss().rank() > said.rank()) {
                said = s.loss();
            }
        }
        String target = Optional.ofNullable(context.get("target"))
                .orElse(recent.stream().map(Sighting::target).filter(v -> v != null).findFirst().orElse(null));
        String runId = Optional.ofNullable(context.get("run_id")).orElse(recent.stream()
                .filter(s -> target == null || target.equals(s.target()))
                .map(Sighting::runId).filter(v -> v != null).findFirst().orElse(null));
        Set<String> views = new LinkedHashSet<>();
        if (context.get("matview") != null) {
            views.add(context.get("matview"));
        }
        recent.stream().filter(s -> target == null || target.equals(s.target()))
                .map(Sighting::matview).filter(v -> v != null).forEach(views::add);
        return new Incident(said, runId == null ? null : Long.valueOf(runId), target, List.copyOf(views));
    }

    /**
     * A lost connection and where it hit.
     *
     * @param said   the loss to report: what the server said when it said anything
     * @param runId  the run it interrupted, when known
     * @param target the target of that run or certification, when known
     * @param views  the materialized views being refreshed (or just refreshed) when it happened
     */
    public record Incident(LostConnection said, Long runId, String target, List<String> views) {

        public Incident withRunId(Long id) {
            return new Incident(said, id, target, views);
        }

        public Incident withTarget(String name) {
            return new Incident(said, runId, name, views);
        }

        public Incident withViews(List<String> names) {
            return new Incident(said, runId, target, List.copyOf(names));
        }

        /** One line, e.g. {@code lost the database connection during run 4 of ml.x_v (view ml.a_mv): server said "..." (SQLSTATE 57P01)}. */
        public String describe(String activity) {
            StringBuilder b = new StringBuilder("lost the database connection");
            if (runId != null) {
                b.append(" during run ").append(runId).append(target == null ? "" : " of " + target);
            } else if (activity != null) {
                b.append(" during ").append(activity);
            } else if (target != null) {
                b.append(" while working on ").append(target);
            }
            if (!views.isEmpty()) {
                b.append(views.size() == 1 ? " (view " : " (views ").append(String.join(", ", views)).append(')');
            }
            return b.append(": ").append(said.summary()).toString();
        }
    }
}

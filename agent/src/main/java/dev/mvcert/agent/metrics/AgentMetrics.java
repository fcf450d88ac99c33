package dev.mvcert.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's Prometheus metrics. Event metrics (refresh attempts, retries, runs) are recorded
 * as they happen; state metrics (certification, breakers, queue depth) are gauges over the
 * last {@link DatabaseSnapshot} read from the database, so every agent reports the same
 * shared state.
 *
 * <p>Names (Prometheus form):
 * <ul>
 * <li>{@code mvcert_refresh_duration_seconds{matview,mode,status}}: timer per refresh attempt</li>
 * <li>{@code mvcert_refresh_attempts_total{matview,status}}</li>
 * <li>{@code mvcert_refresh_failures_total{matview,error_class}}</li>
 * <li>{@code mvcert_refresh_retries_total{matview,error_class}}</li>
 * <li>{@code mvcert_retry_budget_exceeded_total{matview}}: views given up after their attempts or retry time ran out</li>
 * <li>{@code mvcert_refresh_rows{matview}}: rows in the view after its last refresh</li>
 * <li>{@code mvcert_run_duration_seconds{target,mode,status}}</li>
 * <li>{@code mvcert_certified{target}} 1 certified, 0 not; {@code mvcert_certification_age_seconds{target}};
 *     {@code mvcert_target_stale{target}}; {@code mvcert_export_allowed{target}};
 *     {@code mvcert_export_max_age_seconds{target}}: the export limit the age is held against</li>
 * <li>{@code mvcert_breaker_state{matview}} 0 closed, 1 half-open, 2 open</li>
 * <li>{@code mvcert_queue_depth}: queued requests; {@code mvcert_queue_oldest_age_seconds}: how long the oldest
 *     has waited (0 when none); {@code mvcert_agents_live}: agents that heartbeat within their lease;
 *     {@code mvcert_database_up}</li>
 * </ul>
 */
public final class AgentMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> rows = new ConcurrentHashMap<>();
    private final MultiGauge certified;
    private final MultiGauge certificationAge;
    private final MultiGauge stale;
    private final MultiGauge exportAllowed;
    private final MultiGauge exportMaxAge;
    private final MultiGauge breakerState;
    private final AtomicLong queueDepth = new AtomicLong();
    private final AtomicLong databaseUp = new AtomicLong();
    private final AtomicLong liveAgents = new AtomicLong();
    private volatile double oldestQueuedSeconds;

    /** Metrics that /metrics serves (a Prometheus registry). */
    public AgentMetrics() {
        this(true);
    }

    /**
     * @param scraped whether /metrics serves them: a Prometheus registry; otherwise (a command
     *                run without the HTTP server) an in-memory one, which spares the short
     *                command the Prometheus client's start-up
     */
    public AgentMetrics(boolean scraped) {
        registry = scraped ? Prometheus.registry() : new SimpleMeterRegistry();
        certified = MultiGauge.builder("mvcert.certified")
                .description("1 when the target is certified and fresh, else 0").register(registry);
        certificationAge = MultiGauge.builder("mvcert.certification.age").baseUnit("seconds")
                .description("Seconds since the target was last certified").register(registry);
        stale = MultiGauge.builder("mvcert.target.stale")
                .description("1 when the target's certification is older than its max age").register(registry);
        exportAllowed = MultiGauge.builder("mvcert.export.allowed")
                .description("1 when exports of the target are allowed (certified and younger than the export threshold)").register(registry);
        exportMaxAge = MultiGauge.builder("mvcert.export.max.age").baseUnit("seconds")
                .description("The target's export_max_age: exports stop when the certification is older").register(registry);
        breakerState = MultiGauge.builder("mvcert.breaker.state")
                .description("Circuit breaker per materialized view: 0 closed, 1 half-open, 2 open").register(registry);
        Gauge.builder("mvcert.queue.depth", queueDepth, AtomicLong::get)
                .description("Run requests waiting in audit.run_request").register(registry);
        Gauge.builder("mvcert.queue.oldest.age", this, m -> m.oldestQueuedSeconds).baseUnit("seconds")
                .description("How long the oldest queued run request has waited (0 when the queue is empty)").register(registry);
        Gauge.builder("mvcert.agents.live", liveAgents, AtomicLong::get)
                .description("Agents serving the queue whose heartbeat in audit.agent is within their lease").register(registry);
        Gauge.builder("mvcert.database.up", databaseUp, AtomicLong::get)
                .description("1 when the agent's last database read succeeded").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Loaded only when a registry is scraped. */
    private static final class Prometheus {
        static MeterRegistry registry() {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        }
    }

    /** One refresh attempt of one view, whatever its outcome. */
    public void attempt(String matview, String mode, String status, String errorClass, Duration duration, Long rowsAfter) {
        Timer.builder("mvcert.refresh.duration").description("Duration of refresh attempts")
                .tags("matview", matview, "mode", mode == null ? "none" : mode, "status", status)
                .register(registry).record(duration == null ? Duration.ZERO : duration);
        Counter.builder("mvcert.refresh.attempts").description("Refresh attempts")
                .tags("matview", matview, "status", status).register(registry).increment();
        if (errorClass != null) {
            Counter.builder("mvcert.refresh.failures").description("Failed refresh attempts by error class")
                    .tags("matview", matview, "error_class", errorClass).register(registry).increment();
        }
        if (rowsAfter != null) {
            rows.computeIfAbsent(matview, m -> {
                AtomicLong holder = new AtomicLong();
                Gauge.builder("mvcert.refresh.rows", holder, AtomicLong::get).description("Rows in the view after its last refresh")
                        .tags("matview", m).register(registry);
                return holder;
            }).set(rowsAfter);
        }
    }

    public void retry(String matview, String errorClass) {
        Counter.builder("mvcert.refresh.retries").description("Retries of retryable refresh failures")
                .tags("matview", matview, "error_class", errorClass).register(registry).increment();
    }

    /** A view given up after its attempts or retry time ran out (logged as ALERT retry_budget_exceeded). */
    public void retryBudgetExceeded(String matview) {
        Counter.builder("mvcert.retry.budget.exceeded").description("Views given up after exhausting their retry budget")
                .tags("matview", matview).register(registry).increment();
    }

    public void run(String target, String mode, String status, Duration duration) {
        Timer.builder("mvcert.run.duration").description("Duration of runs (refresh and certification)")
                .tags("target", target, "mode", mode, "status", status).register(registry).record(duration);
    }

    /** Replaces the state gauges with what the database says now. */
    public void update(DatabaseSnapshot snapshot) {
        databaseUp.set(snapshot.reachable() ? 1 : 0);
        if (!snapshot.reachable()) {
            return;
        }
        queueDepth.set(snapshot.queueDepth());
        liveAgents.set(snapshot.liveAgents());
        oldestQueuedSeconds = snapshot.oldestQueuedSeconds();
        certified.register(snapshot.targets().stream()
                .map(t -> MultiGauge.Row.of(Tags.of("target", t.target()), t.certified() ? 1 : 0)).toList(), true);
        certificationAge.register(snapshot.targets().stream().filter(t -> t.ageSeconds() != null)
                .map(t -> MultiGauge.Row.of(Tags.of("target", t.target()), t.ageSeconds())).toList(), true);
        stale.register(snapshot.targets().stream()
                .map(t -> MultiGauge.Row.of(Tags.of("target", t.target()), t.stale() ? 1 : 0)).toList(), true);
        exportAllowed.register(snapshot.targets().stream()
                .map(t -> MultiGauge.Row.of(Tags.of("target", t.target()), t.exportAllowed() ? 1 : 0)).toList(), true);
        exportMaxAge.register(snapshot.targets().stream().filter(t -> t.exportMaxAgeSeconds() != null)
                .map(t -> MultiGauge.Row.of(Tags.of("target", t.target()), t.exportMaxAgeSeconds())).toList(), true);
        breakerState.register(snapshot.breakers().entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("matview", e.getKey()), breakerValue(e.getValue()))).toList(), true);
    }

    private static int breakerValue(String state) {
        return switch (state) {
            case "open" -> 2;
            case "half_open" -> 1;
            default -> 0;
        };
    }

    /** Prometheus text exposition of every metric. */
    public String scrape() {
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            throw new IllegalStateException("these metrics are not served: AgentMetrics(false) keeps them in memory only");
        }
        return prometheus.scrape();
    }

    /** The state the gauges show: per target health, breakers, the queue and the live agents. */
    public record DatabaseSnapshot(boolean reachable, List<TargetHealth> targets, Map<String, String> breakers, long queueDepth,
                                   long liveAgents, double oldestQueuedSeconds) {

        public DatabaseSnapshot(boolean reachable, List<TargetHealth> targets, Map<String, String> breakers, long queueDepth) {
            this(reachable, targets, breakers, queueDepth, 0, 0);
        }

        public static DatabaseSnapshot unreachable() {
            return new DatabaseSnapshot(false, List.of(), Map.of(), 0);
        }
    }
}

package dev.mvcert.engine.run;

import dev.mvcert.engine.certify.Certification;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.refresh.SkipReason;
import dev.mvcert.engine.refresh.StepResult;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A run's whole life, owned here and nowhere else: load the run's context once (target, policy,
 * mode, plan with expected durations), check the required feeds, start every view of the plan
 * once its inputs ended well (in the run's step order), skip what cannot run and say why,
 * certify, decide the outcome, and record all of it in history. What varies between callers is
 * plugged in: where work happens ({@link RunSessions}), how many steps run at once
 * ({@link StepScheduler}), what the caller decides per view ({@link ViewPolicy}: the agent's
 * retries and circuit breaker), who listens ({@link RunListener}), and when to stop starting
 * views (a shutdown). Immutable: the withers return a new instance.
 */
public final class RefreshRun {

    private final RunSessions sessions;
    private final StepScheduler scheduler;
    private final ViewPolicy policy;
    private final RunListener listener;
    private final BooleanSupplier stopRequested;
    private final String certificationExecutor;

    private RefreshRun(RunSessions sessions, StepScheduler scheduler, ViewPolicy policy, RunListener listener,
                       BooleanSupplier stopRequested, String certificationExecutor) {
        this.sessions = sessions;
        this.scheduler = scheduler;
        this.policy = policy;
        this.listener = listener;
        this.stopRequested = stopRequested;
        this.certificationExecutor = certificationExecutor;
    }

    /** Runs on {@code sessions}, one step at a time, every view allowed, nobody listening. */
    public static RefreshRun on(RunSessions sessions, String certificationExecutor) {
        return new RefreshRun(sessions, StepScheduler.sequential(), ViewPolicy.NONE, RunListener.NONE, () -> false,
                certificationExecutor);
    }

    public RefreshRun scheduledBy(StepScheduler value) {
        return new RefreshRun(sessions, value, policy, listener, stopRequested, certificationExecutor);
    }

    public RefreshRun withPolicy(ViewPolicy value) {
        return new RefreshRun(sessions, scheduler, value, listener, stopRequested, certificationExecutor);
    }

    public RefreshRun listenedBy(RunListener value) {
        return new RefreshRun(sessions, scheduler, policy, value, stopRequested, certificationExecutor);
    }

    /** Checked before each view starts: once true, nothing new starts and the rest is skipped as cancelled. */
    public RefreshRun stoppingWhen(BooleanSupplier value) {
        return new RefreshRun(sessions, scheduler, policy, listener, value, certificationExecutor);
    }

    public RunResult run(RunRequest request) throws SQLException {
        long started = System.nanoTime();
        RunContext run = begin(request, new RunHistory(sessions));
        RunSessions work = sessions.forMode(run.mode());
        RunHistory history = new RunHistory(work);
        listener.runStarted(run);
        try {
            // one transaction is one session: its steps run one at a time whatever the scheduler
            StepScheduler steps = work.sharedTransaction() ? StepScheduler.sequential() : scheduler;
            RunResult result = new RefreshRun(work, steps, policy, listener, stopRequested, certificationExecutor)
                    .steps(run, history, started);
            history.finishRun(run.runId(), result.outcome(), result.reason(), result.staleViews(), result.needsMaintenance());
            listener.runFinished(result);
            return result;
        } catch (SQLException | RuntimeException e) {
            finishAfterError(history, run, e);
            throw e;
        }
    }

    /** The run's context, loaded once: policy, canonical name and feed readiness, the run row, the plan. */
    private RunContext begin(RunRequest request, RunHistory history) throws SQLException {
        Policy loaded = sessions.history(c -> new JdbcTemplate(c).queryForObject("SELECT * FROM audit._run_policy(?::regclass)",
                rs -> new Policy(rs.getString(1), new TargetPolicy(rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5),
                        rs.getBoolean(6), rs.getBoolean(7), RunMode.fromSql(rs.getString(8)), StepOrder.fromSql(rs.getString(9)),
                        rs.getBoolean(10), rs.getBoolean(11)), rs.getString(12)),
                request.target()));
        String target = loaded.target();
        TargetPolicy targetPolicy = loaded.policy();
        RunMode mode = request.mode() != null ? request.mode() : targetPolicy.defaultMode();
        StepOrder order = request.order() != null ? request.order() : targetPolicy.defaultOrder();
        long runId = history.beginRun(target, mode, request, 0);
        RefreshPlan plan = mode == RunMode.CERTIFY ? new RefreshPlan(target, List.of())
                : sessions.history(c -> RefreshPlan.load(new JdbcTemplate(c), target));
        return new RunContext(runId, target, mode, order, targetPolicy, plan, request, loaded.feedProblem());
    }

    /** One row of audit._run_policy: the canonical target, its policy, its feeds' readiness. */
    private record Policy(String target, TargetPolicy policy, String feedProblem) {}

    private RunResult steps(RunContext run, RunHistory history, long started) throws SQLException {
        if (run.feedProblem() != null) {
            return result(run, RunOutcome.SKIPPED, "required feed not ready: " + run.feedProblem(), List.of(),
                    run.plan().views().stream().map(PlannedView::matview).toList(), List.of(), null, started);
        }
        Map<String, StepResult> finals = new LinkedHashMap<>();
        List<StepResult> attempts = java.util.Collections.synchronizedList(new ArrayList<>());
        boolean atomic = run.mode() == RunMode.ATOMIC;

        if (atomic) {
            // all or nothing: a view that may not run now means the run does not start
            Map<PlannedView, String> refused = new LinkedHashMap<>();
            for (PlannedView v : run.plan().views()) {
                policy.refusal(run, v).ifPresent(reason -> refused.put(v, reason));
            }
            if (!refused.isEmpty()) {
                for (PlannedView v : run.plan().views()) {
                    String reason = refused.getOrDefault(v, SkipReason.ATOMIC_RUN_FAILED);
                    skip(run, history, v, reason, refused.containsKey(v) ? "refused by the run's policy ("
                            + reason + ")" : "another view of this atomic run may not run now", finals, attempts);
                }
                return result(run, RunOutcome.SKIPPED, String.join("; ", refused.values().stream().distinct().toList()) + ": "
                        + String.join(", ", refused.keySet().stream().map(PlannedView::matview).toList()), attempts,
                        List.of(), List.of(), null, started);
            }
        }

        ReadyViews ready = new ReadyViews(run.plan(), run.order());
        RefreshStep step = new RefreshStep(run, sessions, history);
        String stopReason = null;
        String stopDetail = null;
        Exception firstError = null;
        int running = 0;
        while (true) {
            while (stopReason == null && running < scheduler.parallelism() && ready.hasReady()) {
                if (stopRequested.getAsBoolean()) {
                    stopReason = SkipReason.CANCELLED;
                    stopDetail = "the run was asked to stop";
                    break;
                }
                PlannedView v = ready.take();
                Optional<String> refusal = atomic ? Optional.empty() : policy.refusal(run, v);
                if (refusal.isPresent()) {
                    skip(run, history, v, refusal.get(), "refused by the run's policy", finals, attempts);
                    for (ReadyViews.Blocked b : ready.ended(v, false)) {
                        skip(run, history, b.view(), SkipReason.UPSTREAM_NOT_REFRESHED, "upstream " + b.upstream() + " was not refreshed",
                                finals, attempts);
                    }
                    continue;
                }
                running++;
                scheduler.submit(v, () -> view(run, step, v, attempts));
            }
            if (running == 0) {
                break;
            }
            StepScheduler.Finished f;
            try {
                f = scheduler.next();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a refresh step", e);
            }
            running--;
            if (f.error() != null) {
                // the step could not even record how it ended (e.g. the connection is gone): stop starting views
                firstError = firstError == null ? f.error() : firstError;
                stopReason = stopReason == null ? SkipReason.CANCELLED : stopReason;
                stopDetail = stopDetail == null ? "an earlier step ended with an error: " + f.error().getMessage() : stopDetail;
                ready.ended(f.view(), false);
                continue;
            }
            StepResult r = f.result();
            finals.put(r.matview(), r);
            boolean well = r.succeeded() || (r.skipped() && SkipReason.current(r.skipReason()));
            for (ReadyViews.Blocked b : ready.ended(f.view(), well)) {
                skip(run, history, b.view(), SkipReason.UPSTREAM_NOT_REFRESHED, "upstream " + b.upstream() + " was not refreshed", finals, attempts);
            }
            if (r.failed() && stopReason == null) {
                if (atomic) {
                    stopReason = SkipReason.ATOMIC_RUN_FAILED;
                    stopDetail = "an earlier step of this atomic run failed: " + r.matview();
                } else if (run.policy().failFast()) {
                    stopReason = SkipReason.FAIL_FAST;
                    stopDetail = "fail_fast: " + r.matview() + " failed";
                }
            }
        }
        if (stopReason != null) {
            for (PlannedView v : ready.drain()) {
                skip(run, history, v, stopReason, stopDetail, finals, attempts);
            }
        }
        if (firstError instanceof SQLException sql) {
            throw sql;
        } else if (firstError instanceof RuntimeException rt) {
            throw rt;
        } else if (firstError != null) {
            throw new IllegalStateException(firstError);
        }
        return conclude(run, history, finals, attempts, stopReason, started);
    }

    /** One view: the policy's attempts of the engine's step, then the policy hears the final result. */
    private StepResult view(RunContext run, RefreshStep step, PlannedView v, List<StepResult> attempts) throws SQLException {
        StepResult last = policy.attempts(run, v, number -> {
            listener.stepStarted(run, v, number);
            StepResult r = step.attempt(v, number);
            attempts.add(r);
            listener.stepFinished(run, v, r);
            return r;
        }, !sessions.sharedTransaction());
        policy.finished(run, v, last);
        return last;
    }

    private void skip(RunContext run, RunHistory history, PlannedView v, String reason, String decision,
                      Map<String, StepResult> finals, List<StepResult> attempts) throws SQLException {
        long stepId = history.recordSkip(run.runId(), v, reason, decision);
        StepResult r = RefreshStep.skipped(stepId, v, reason, decision, System.nanoTime());
        finals.put(v.matview(), r);
        attempts.add(r);
        listener.stepSkipped(run, v, r);
    }

    /** The outcome, decided here and nowhere else, and the certification when the refresh allows one. */
    private RunResult conclude(RunContext run, RunHistory history, Map<String, StepResult> finals, List<StepResult> attempts,
                               String stopReason, long started) throws SQLException {
        List<String> views = run.plan().views().stream().map(PlannedView::matview).toList();
        List<String> failed = views.stream().filter(v -> finals.containsKey(v) && finals.get(v).failed()).toList();
        List<String> needsMaintenance = views.stream()
                .filter(v -> finals.containsKey(v) && SkipReason.NEEDS_MAINTENANCE.equals(finals.get(v).skipReason())).toList();
        List<String> refused = views.stream().filter(v -> finals.containsKey(v) && finals.get(v).skipped()
                && !List.of(SkipReason.INPUTS_UNCHANGED, SkipReason.LOCKED_ELSEWHERE, SkipReason.NEEDS_MAINTENANCE,
                        SkipReason.UPSTREAM_NOT_REFRESHED, SkipReason.FAIL_FAST, SkipReason.CANCELLED, SkipReason.ATOMIC_RUN_FAILED).contains(finals.get(v).skipReason())).toList();
        List<String> stale = views.stream().filter(v -> {
            StepResult r = finals.get(v);
            return r == null || r.failed() || (r.skipped() && !SkipReason.current(r.skipReason()));
        }).toList();
        List<String> reasons = new ArrayList<>();
        if (!failed.isEmpty()) {
            reasons.add("failed: " + String.join(", ", failed.stream().map(v -> v + " (" + finals.get(v).errorClass() + ": "
                    + firstLine(finals.get(v).message()) + ")").toList()));
        }
        if (!needsMaintenance.isEmpty()) {
            reasons.add("needs maintenance (invalid index, outside the maintenance window): " + String.join(", ", needsMaintenance));
        }

        RunOutcome outcome;
        CertificationResult certification = null;
        if (SkipReason.CANCELLED.equals(stopReason) || (stopRequested.getAsBoolean() && !failed.isEmpty())) {
            // asked to stop: views not started, and steps cancelled while running, end the run as cancelled
            outcome = RunOutcome.CANCELLED;
            reasons.add(0, "cancelled before every view was refreshed");
        } else if (!failed.isEmpty()) {
            outcome = RunOutcome.REFRESH_FAILED;
        } else if (!refused.isEmpty()) {
            outcome = RunOutcome.SKIPPED;
            reasons.add(String.join(", ", refused.stream().map(v -> v + " " + finals.get(v).skipReason()).toList()));
        } else if (!run.policy().registered()) {
            outcome = RunOutcome.NOT_CERTIFIED;
            reasons.add(run.target() + " is not a registered target: refreshed, not certified (SELECT audit.register_target('"
                    + run.target().replace("'", "''") + "'))");
        } else {
            certification = sessions.history(h -> sessions.certify(w -> new Certification(w, h, certificationExecutor)
                    .certify(run.target(), run.runId())));
            outcome = certification.certified() ? RunOutcome.CERTIFIED : RunOutcome.NOT_CERTIFIED;
            if (!certification.certified()) {
                reasons.add("certification " + certification.certificationId() + " " + certification.status() + ": "
                        + certification.failureSummary().replace('\n', ';'));
            }
        }
        boolean publish = outcome == RunOutcome.CERTIFIED;
        if (run.mode() == RunMode.ATOMIC && outcome == RunOutcome.NOT_CERTIFIED && !run.policy().everCertified()) {
            // a bootstrap: no certified snapshot to keep readers on (guarded reads fail closed
            // either way); publishing lets the views be reviewed and baselined
            publish = true;
            reasons.add("published, not certified: " + run.target() + " was never certified, so there was no certified "
                    + "snapshot to keep; guarded reads fail closed until a certification passes");
        } else if (run.mode() == RunMode.ATOMIC) {
            reasons.add(publish ? "published" : "nothing published (rolled back)");
            if (!publish) {
                // the whole transaction goes: every view keeps its previous snapshot
                stale = views.stream().filter(v -> finals.get(v) == null
                        || !SkipReason.INPUTS_UNCHANGED.equals(finals.get(v).skipReason())).toList();
            }
        }
        if (run.mode() == RunMode.ATOMIC && publish) {
            // the steps of an atomic run leave ANALYZE to here: PostgreSQL counts an ANALYZE
            // even when its transaction rolls back, which a failed run's would then look like
            List<String> refreshed = views.stream().filter(v -> finals.containsKey(v) && finals.get(v).succeeded()).toList();
            sessions.certify(c -> {
                try (java.sql.Statement st = c.createStatement()) {
                    for (String v : refreshed) {
                        st.execute("ANALYZE " + v);
                    }
                }
                return null;
            });
        }
        return result(run, outcome, reasons.isEmpty() ? null : String.join("; ", reasons), attempts, stale, needsMaintenance,
                certification, started, publish);
    }

    private static RunResult result(RunContext run, RunOutcome outcome, String reason, List<StepResult> attempts,
                                    List<String> stale, List<String> needsMaintenance, CertificationResult certification,
                                    long started) {
        return result(run, outcome, reason, attempts, stale, needsMaintenance, certification, started, outcome == RunOutcome.CERTIFIED);
    }

    private static RunResult result(RunContext run, RunOutcome outcome, String reason, List<StepResult> attempts,
                                    List<String> stale, List<String> needsMaintenance, CertificationResult certification,
                                    long started, boolean publish) {
        return new RunResult(run.runId(), run.target(), run.mode(), outcome, reason, attempts, stale, needsMaintenance,
                certification, Duration.ofNanos(System.nanoTime() - started), publish);
    }

    /** A run that ended in an exception still says so in history, when history can still be written. */
    private void finishAfterError(RunHistory history, RunContext run, Exception e) {
        try {
            history.finishRun(run.runId(), RunOutcome.REFRESH_FAILED, "error: " + firstLine(e.getMessage()),
                    run.plan().views().stream().map(PlannedView::matview).toList(), List.of());
        } catch (SQLException | RuntimeException ignored) {
            // the database is unreachable: the reaper marks the run abandoned once its lease is over
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}

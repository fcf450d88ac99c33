package dev.mvcert.engine.run;

import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes run and step history (audit.run, audit.step) through the audit functions, on the
 * history side of the run's {@link RunSessions}: an autocommit connection of its own survives a
 * rollback of the work (a failed atomic run, a failed step); the work connection itself
 * (in-database) shares the work's fate.
 */
final class RunHistory {

    private final RunSessions sessions;

    RunHistory(RunSessions sessions) {
        this.sessions = sessions;
    }

    long beginRun(String target, RunMode mode, RunRequest request, int backendPid) throws SQLException {
        return sessions.history(c -> new JdbcTemplate(c).queryForLong(
                "SELECT audit.begin_run(?::regclass, ?, ?, ?::bigint, ?, ?::interval, ?::integer)",
                target, mode.sqlName(), request.requestedBy(), request.requestId(), request.executor(),
                request.lease() == null ? null : request.lease().toMillis() + " milliseconds",
                backendPid == 0 ? null : backendPid));
    }

    boolean finishRun(long runId, RunOutcome outcome, String reason, List<String> staleViews, List<String> needsMaintenance)
            throws SQLException {
        return sessions.history(c -> "t".equals(new JdbcTemplate(c).queryForString(
                "SELECT audit.finish_run(?, ?, ?, ?::text[], ?::text[])",
                runId, outcome.sqlName(), reason, JdbcTemplate.textArray(staleViews), JdbcTemplate.textArray(needsMaintenance))));
    }

    long beginStep(long runId, PlannedView view, int attempt, int backendPid) throws SQLException {
        return sessions.history(c -> new JdbcTemplate(c).queryForLong(
                "SELECT audit.begin_step(?, ?, ?, ?, ?, ?, NULL, ?)",
                runId, view.matview(), view.step(), view.level(), view.mode(), attempt, backendPid));
    }

    void finishStep(StepResult r) throws SQLException {
        sessions.history(c -> new JdbcTemplate(c).queryForString(
                "SELECT audit.finish_step(?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?, ?)",
                r.stepId(), r.status().sqlName(), r.modeUsed(), r.skipReason(), r.decision(), r.rowsAfter(), r.queryId(),
                r.sqlState(), r.message()));
    }

    /** A view that never started still gets its step row: skipped, with the reason. */
    long recordSkip(long runId, PlannedView view, String reason, String decision) throws SQLException {
        return sessions.history(c -> new JdbcTemplate(c).queryForLong(
                "SELECT audit.finish_step(audit.begin_step(?, ?, ?, ?, ?, 1), 'skipped', NULL, ?, ?)",
                runId, view.matview(), view.step(), view.level(), view.mode(), reason, decision));
    }
}

package dev.mvcert.engine.refresh;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Writes run and step history (audit.run, audit.step) through the audit functions. Given a
 * separate autocommit connection, history survives a rollback of the work (a failed atomic
 * run, a failed step); with the work connection only (PL/Java) it shares the work's fate.
 */
public final class RunHistory {

    private final Connection connection;

    public RunHistory(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    public long beginRun(String target, RunOptions options, int backendPid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT audit.begin_run(?::regclass, ?, ?, ?, ?, ?::interval, ?)")) {
            ps.setString(1, target);
            ps.setString(2, options.mode().sqlName());
            ps.setString(3, options.requestedBy());
            ps.setObject(4, options.requestId(), Types.BIGINT);
            ps.setString(5, options.executor());
            ps.setString(6, options.lease() == null ? null : options.lease().toMillis() + " milliseconds");
            ps.setInt(7, backendPid);
            return single(ps);
        }
    }

    public boolean finishRun(long runId, RunStatus status, String reason, List<String> staleViews,
                             List<String> needsMaintenance) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.finish_run(?, ?, ?, ?::text[], ?::text[])")) {
            ps.setLong(1, runId);
            ps.setString(2, status.sqlName());
            ps.setString(3, reason);
            ps.setString(4, textArray(staleViews));
            ps.setString(5, textArray(needsMaintenance));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public long beginStep(long runId, PlannedView view, int attempt, long lockKey, int backendPid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.begin_step(?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, runId);
            ps.setString(2, view.matview());
            ps.setInt(3, view.step());
            ps.setInt(4, view.level());
            ps.setString(5, view.mode());
            ps.setInt(6, attempt);
            ps.setLong(7, lockKey);
            ps.setInt(8, backendPid);
            return single(ps);
        }
    }

    public void finishStep(long stepId, StepResult r) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.finish_step(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, stepId);
            ps.setString(2, r.status().sqlName());
            ps.setString(3, r.modeUsed());
            ps.setString(4, r.skipReason());
            ps.setString(5, r.decision());
            ps.setObject(6, r.rowsAfter(), Types.BIGINT);
            ps.setObject(7, r.queryId(), Types.BIGINT);
            ps.setString(8, r.sqlState());
            ps.setString(9, r.message());
            // read the row: PL/Java's in-database JDBC evaluates a SELECT only as its rows are fetched
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    /** Moves the run's heartbeat (audit.heartbeat); false when the run is no longer running. */
    public boolean heartbeat(long runId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.heartbeat(?)")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** A text[] literal: PL/Java's in-database JDBC has no createArrayOf, so arrays travel as text. */
    private static String textArray(List<String> values) {
        StringBuilder literal = new StringBuilder("{");
        for (String value : values == null ? List.<String>of() : values) {
            if (literal.length() > 1) {
                literal.append(',');
            }
            literal.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return literal.append('}').toString();
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

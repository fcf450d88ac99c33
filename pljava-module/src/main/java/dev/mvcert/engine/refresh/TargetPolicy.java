package dev.mvcert.engine.refresh;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The policy a run's steps follow, read from audit.run and audit.target (defaults for an
 * unregistered target: 30 min statement timeout, 10 s lock timeout, no window).
 */
record TargetPolicy(String target, RunMode mode, long statementTimeoutMs, long lockTimeoutMs,
                    boolean preferPlain, boolean skipUnchanged, boolean inMaintenanceWindow) {

    static TargetPolicy ofRun(Connection connection, long runId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT r.target, r.mode,
                       (extract(epoch FROM COALESCE(t.statement_timeout, interval '30 minutes')) * 1000)::bigint,
                       (extract(epoch FROM COALESCE(t.lock_timeout, interval '10 seconds')) * 1000)::bigint,
                       COALESCE(t.prefer_plain, false), COALESCE(t.skip_unchanged, true),
                       audit.in_maintenance_window(r.target::regclass)
                  FROM audit.run r LEFT JOIN audit.target t ON t.target = r.target
                 WHERE r.run_id = ?""")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("run " + runId + " does not exist: start it with beginRun");
                }
                return new TargetPolicy(rs.getString(1), RunMode.fromSql(rs.getString(2)), rs.getLong(3), rs.getLong(4),
                        rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7));
            }
        }
    }
}

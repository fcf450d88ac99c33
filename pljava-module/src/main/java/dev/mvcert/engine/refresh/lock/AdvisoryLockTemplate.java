package dev.mvcert.engine.refresh.lock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * "Lock, do, always release" for the per-view refresh lock, in the shape of Flyway's
 * PostgreSQLAdvisoryLockTemplate, with two differences that follow from how refreshes run:
 * the lock is tried, never waited for (a loser is told at once and records a skip), and it is
 * transaction-scoped ({@code pg_try_advisory_xact_lock}), so PostgreSQL releases it at the
 * caller's commit or rollback: in an atomic run it is held until the whole run publishes.
 * The key is {@code audit.refresh_lock_key(view)}, shared with SQL and pg_cron scripts.
 */
public final class AdvisoryLockTemplate {

    /** Work done while holding the lock. */
    @FunctionalInterface
    public interface LockedWork<T> {
        T run() throws SQLException;
    }

    private final Connection connection;

    public AdvisoryLockTemplate(Connection connection) {
        this.connection = connection;
    }

    /** The key of a view's refresh lock (see audit.refresh_lock_key). */
    public long keyOf(String matview) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.refresh_lock_key(?::regclass)")) {
            ps.setString(1, matview);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Runs {@code work} if this transaction gets the lock; empty if another session holds it.
     * The lock stays held until the end of the caller's transaction, whatever work does.
     */
    public <T> Optional<T> tryExecute(long key, LockedWork<T> work) throws SQLException {
        boolean acquired;
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_catalog.pg_try_advisory_xact_lock(?)")) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                acquired = rs.getBoolean(1);
            }
        }
        return acquired ? Optional.ofNullable(work.run()) : Optional.empty();
    }

    /** The pid of the session holding a view's refresh lock, if any (for the skip message). */
    public Optional<Integer> holderOf(String matview) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.refresh_lock_holder(?::regclass)")) {
            ps.setString(1, matview);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int pid = rs.getInt(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(pid);
            }
        }
    }
}

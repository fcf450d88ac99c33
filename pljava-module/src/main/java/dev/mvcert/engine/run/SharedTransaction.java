package dev.mvcert.engine.run;

import dev.mvcert.engine.jdbc.JdbcTemplate;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.function.Predicate;

/** {@link RunSessions#shared}: one transaction for all the work; the caller commits or rolls back. */
final class SharedTransaction implements RunSessions {

    private final Connection work;
    private final Connection history;
    private Integer backendPid;

    SharedTransaction(Connection work, Connection history) {
        this.work = work;
        this.history = history;
    }

    @Override
    public <T> T history(Work<T> w) throws SQLException {
        return w.run(history != null ? history : work);
    }

    @Override
    public <T> T step(StepWork<T> w, Predicate<T> failed) throws SQLException {
        w.begin(pid());
        if (history != null) {
            return w.run(work, Begun.DONE);
        }
        // JDBC savepoints, not SAVEPOINT statements: PL/Java's in-database JDBC refuses
        // transaction-control SQL but implements these.
        Savepoint savepoint = work.setSavepoint();
        T result;
        try {
            result = w.run(work, Begun.DONE);
        } catch (SQLException | RuntimeException e) {
            work.rollback(savepoint);
            throw e;
        }
        if (failed.test(result)) {
            work.rollback(savepoint);
        } else {
            work.releaseSavepoint(savepoint);
        }
        return result;
    }

    @Override
    public <T> T certify(Work<T> w) throws SQLException {
        return w.run(work);
    }

    @Override
    public boolean sharedTransaction() {
        return true;
    }

    private int pid() throws SQLException {
        if (backendPid == null) {
            backendPid = new JdbcTemplate(work).queryForLong("SELECT pg_catalog.pg_backend_pid()").intValue();
        }
        return backendPid;
    }
}

package dev.mvcert.testing;

import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.run.RunSessions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Predicate;

/**
 * Incremental runs as a single client would make them: every step on one work connection in a
 * transaction of its own, committed when it did not fail and rolled back when it did; the
 * certification committed; history on a second, autocommit connection. (The agent does the same
 * on a pool, with steps in parallel.)
 */
public record CommitPerStep(Connection work, Connection history) implements RunSessions {

    public CommitPerStep {
        try {
            work.setAutoCommit(false);
            history.setAutoCommit(true);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public <T> T history(Work<T> w) throws SQLException {
        return w.run(history);
    }

    @Override
    public <T> T step(StepWork<T> w, Predicate<T> failed) throws SQLException {
        w.begin(new JdbcTemplate(work).queryForLong("SELECT pg_backend_pid()").intValue());
        try {
            T result = w.run(work, Begun.DONE);
            if (failed.test(result)) {
                work.rollback();
            } else {
                work.commit();
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            work.rollback();
            throw e;
        }
    }

    @Override
    public <T> T certify(Work<T> w) throws SQLException {
        try {
            T result = w.run(work);
            work.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            work.rollback();
            throw e;
        }
    }

    @Override
    public boolean sharedTransaction() {
        return false;
    }
}

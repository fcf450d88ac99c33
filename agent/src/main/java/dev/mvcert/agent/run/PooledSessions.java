package dev.mvcert.agent.run;

import dev.mvcert.agent.db.Database;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunSessions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.function.Predicate;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the agent's runs work: history on short autocommit connections from the pool (it
 * survives any rollback); incremental steps each on a pooled connection in a transaction of
 * their own (its start written on a history connection while it prepares), committed when the
 * step did not fail and rolled back when it did, so readers see a view as soon as it is refreshed
 * and independent views refresh in parallel; an atomic run on one connection and one
 * transaction, which {@link #endAtomic} commits or rolls back. Running statements can be
 * cancelled (after a shutdown's grace period).
 */
final class PooledSessions implements RunSessions {

    private static final Logger log = LoggerFactory.getLogger(PooledSessions.class);

    /**
     * Where steps' starts are written: daemon threads, one per step starting at once, gone after a
     * minute idle. The first is started with the class, before the first step is due.
     */
    private static final ExecutorService BEGINS = DaemonThreads.started("mvcert-step-begin", Integer.MAX_VALUE, new SynchronousQueue<>());

    private final Database database;
    private final Set<Connection> inFlight;
    private Connection atomicWork;
    private Connection atomicHistory;

    PooledSessions(Database database, Set<Connection> inFlight) {
        this.database = database;
        this.inFlight = inFlight;
    }

    @Override
    public <T> T history(Work<T> work) throws SQLException {
        try (Connection c = database.autocommit()) {
            return work.run(c);
        }
    }

    @Override
    public <T> T step(StepWork<T> work, Predicate<T> failed) throws SQLException {
        try (Connection c = database.transactional()) {
            inFlight.add(c);
            try {
                int pid = c.unwrap(PGConnection.class).getBackendPID();
                // the step's start is written on a history connection while its own connection
                // prepares it (the step waits for it before its REFRESH)
                CompletableFuture<Void> begin = CompletableFuture.runAsync(() -> {
                    try {
                        work.begin(pid);
                    } catch (SQLException e) {
                        throw new CompletionException(e);
                    }
                }, BEGINS);
                T result;
                try {
                    result = work.run(c, () -> await(begin));
                } finally {
                    // a step's start is never still being written once the step is over
                    begin.handle((ignored, error) -> null).join();
                }
                // nothing commits without the row that records its start
                await(begin);
                if (failed.test(result)) {
                    c.rollback();
                } else {
                    c.commit();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                inFlight.remove(c);
            }
        }
    }

    @Override
    public <T> T certify(Work<T> work) throws SQLException {
        try (Connection c = database.transactional()) {
            inFlight.add(c);
            try {
                T result = work.run(c);
                // a failed certification is history and a FAILED status: both are kept
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                inFlight.remove(c);
            }
        }
    }

    @Override
    public boolean sharedTransaction() {
        return false;
    }

    /** Atomic runs get one work connection and transaction for every step and the certification. */
    @Override
    public RunSessions forMode(RunMode mode) throws SQLException {
        if (mode != RunMode.ATOMIC) {
            return this;
        }
        atomicHistory = database.autocommit();
        atomicWork = database.transactional();
        inFlight.add(atomicWork);
        return RunSessions.shared(atomicWork, atomicHistory);
    }

    /** Ends an atomic run's transaction: commit when it is to be published, else roll back; no-op for other runs. */
    void endAtomic(boolean publish) throws SQLException {
        if (atomicWork == null) {
            return;
        }
        try {
            if (publish) {
                atomicWork.commit();
            } else {
                atomicWork.rollback();
            }
        } finally {
            inFlight.remove(atomicWork);
            closeQuietly(atomicWork);
            closeQuietly(atomicHistory);
            atomicWork = null;
            atomicHistory = null;
        }
    }

    private static void await(CompletableFuture<Void> begin) throws SQLException {
        try {
            begin.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException broken) {
            log.debug("rollback failed on a broken connection: {}", broken.getMessage());
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // returning a broken connection to the pool: the pool evicts it
        }
    }
}

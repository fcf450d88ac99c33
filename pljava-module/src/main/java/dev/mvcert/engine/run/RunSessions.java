package dev.mvcert.engine.run;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a run's work happens. The engine never begins, commits or rolls back a transaction; a
 * run's caller says, through this, which connection each piece of work gets and what happens to
 * its transaction:
 * <ul>
 * <li>{@link #history}: run and step history, best on an autocommit connection of its own so it
 * survives a rollback of the work;</li>
 * <li>{@link #step}: one attempt of one view; incremental runs publish (commit) it when it did not
 * fail and undo it when it did; a shared transaction keeps everything for the caller's final
 * decision;</li>
 * <li>{@link #certify}: the certification; in a shared transaction it certifies exactly what
 * would be published.</li>
 * </ul>
 * {@link #shared(Connection, Connection)} is the one-transaction kind (atomic runs, in-database);
 * the agent implements a pooled kind for parallel incremental runs.
 */
public interface RunSessions {

    /** Work on a connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * A step's work. {@link #begin} runs outside the step's transaction or savepoint, with the pid
     * of the backend the step will run on: what it writes (the step's history row) must outlive a
     * failed step. It may run while {@link #run} starts (the agent writes the step's start on
     * its history connection while the work connection prepares the step); {@code run} calls
     * {@link Begun#await} before anything that needs what {@code begin} wrote.
     */
    interface StepWork<T> {
        void begin(int backendPid) throws SQLException;

        T run(Connection connection, Begun begun) throws SQLException;
    }

    /** The end of a step's {@link StepWork#begin}. */
    @FunctionalInterface
    interface Begun {
        /** Begun already: the sessions ran {@code begin} before the work. */
        Begun DONE = () -> { };

        /** Returns once {@code begin} has ended; throws what it threw. */
        void await() throws SQLException;
    }

    <T> T history(Work<T> work) throws SQLException;

    /** Runs one step attempt; {@code failed} tells, from its result, whether to undo it. */
    <T> T step(StepWork<T> work, java.util.function.Predicate<T> failed) throws SQLException;

    <T> T certify(Work<T> work) throws SQLException;

    /** True when every step and the certification share one transaction (nothing is published before the caller commits). */
    boolean sharedTransaction();

    /**
     * The sessions for a run in {@code mode}, asked once the run knows its mode (the target's
     * run_mode when the request names none): the agent gives atomic runs one transaction.
     */
    default RunSessions forMode(RunMode mode) throws SQLException {
        return this;
    }

    /**
     * One transaction on {@code work} for every step and the certification; history through
     * {@code history} (autocommit, so it survives a rollback of the work) or, when null, on the
     * work connection too, in which case each step runs in a savepoint so that a failed one
     * leaves the transaction usable for its history.
     */
    static RunSessions shared(Connection work, Connection history) {
        return new SharedTransaction(work, history);
    }
}

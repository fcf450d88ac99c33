package dev.mvcert.agent.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * A database connection that went away after it was established (server crash, restart,
 * terminated backend, network), told apart from the errors a live server reports. The
 * driver reports such a loss in several shapes, often several at once: the server's own
 * last word when it sent one (57P01 "terminating connection due to unexpected postmaster
 * exit", 57P02 after a crash of another backend), an I/O error when the socket just closed
 * (08006), HikariCP's "Connection is closed" for a connection it already evicted, or a pool
 * that cannot hand out a connection. {@link #of} looks through causes and suppressed
 * exceptions and keeps the most telling one: what the server said, if it said anything.
 *
 * @param message  the server's message when it sent one, else the driver's
 * @param sqlState the SQLSTATE that goes with it (may be null for HikariCP's own)
 * @param fromServer whether the server sent the message (else the driver noticed a dead socket)
 */
public record LostConnection(String message, String sqlState, boolean fromServer) {

    /** The loss {@code failure} stands for, if it is one. */
    public static Optional<LostConnection> of(Throwable failure) {
        LostConnection best = null;
        for (Throwable t : chain(failure)) {
            if (!(t instanceof SQLException sql) || !isLoss(sql)) {
                continue;
            }
            LostConnection candidate = describe(sql);
            if (best == null || candidate.rank() > best.rank()) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Whether this exception says the connection is gone: SQLSTATE class 08, 57P01-57P03
     * (the server shut the session down, crashed, or is restarting), a pool timing out for
     * want of connections, or HikariCP's closed proxy.
     */
    public static boolean isLoss(SQLException e) {
        String state = e.getSQLState();
        if (state != null) {
            return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
        }
        return e instanceof SQLTransientConnectionException || "Connection is closed".equals(e.getMessage());
    }

    /** How telling it is: what the server said beats what the driver saw, which beats a bare "Connection is closed". */
    public int rank() {
        return fromServer ? 2 : sqlState != null ? 1 : 0;
    }

    /** One line: the message, then the SQLSTATE when there is one. */
    public String summary() {
        return (fromServer ? "server said \"" + message + "\"" : message) + (sqlState == null ? "" : " (SQLSTATE " + sqlState + ")");
    }

    private static LostConnection describe(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            return new LostConnection(m.getMessage(), m.getSQLState(), true);
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return new LostConnection(message, e.getSQLState(), false);
    }

    /** The throwable, its causes and its suppressed exceptions, each once. */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> ordered = new ArrayList<>();
        Deque<Throwable> todo = new ArrayDeque<>();
        todo.add(failure);
        while (!todo.isEmpty() && ordered.size() < 64) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            ordered.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            Collections.addAll(todo, t.getSuppressed());
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
        }
        return ordered;
    }
}

package dev.mvcert.agent.queue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.engine.jdbc.JdbcTemplate;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mvcert serve}: takes run requests from audit.run_request and runs them, one at a
 * time, with the same executor as {@code mvcert run}. Wakes on NOTIFY mvcert_requests and
 * also polls, so a lost notification (or a LISTEN connection that dropped) only delays a run.
 * Several agents may serve one database: claim_request hands each request to one agent
 * (FOR UPDATE SKIP LOCKED) and the engine's per-view advisory locks keep refreshes apart.
 * Meanwhile it proves it is alive (audit.agent_heartbeat) and marks runs of dead agents
 * abandoned (audit.reap_abandoned).
 */
public final class QueueWorker {

    private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);
    public static final String CHANNEL = "mvcert_requests";

    private final AgentRuntime agent;
    private final Object wake = new Object();

    public QueueWorker(AgentRuntime agent) {
        this.agent = agent;
    }

    /** Stop claiming; the request in progress stops starting views (see GracefulShutdown). */
    public void stop() {
        agent.stopping().stop("cancelled: agent shutdown");
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private boolean stopping() {
        return agent.stopping().requested();
    }

    /** Serves until {@link #stop()}; returns how many requests it ran. */
    public int serve() throws SQLException {
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mvcert-housekeeping");
            t.setDaemon(true);
            return t;
        });
        int served = 0;
        Connection listener = null;
        try {
            announce();
            long beat = agent.settings().heartbeatInterval.toMillis();
            housekeeping.scheduleAtFixedRate(this::announceQuietly, beat, beat, TimeUnit.MILLISECONDS);
            long reap = agent.settings().reapInterval.toMillis();
            housekeeping.scheduleAtFixedRate(this::reapQuietly, 0, reap, TimeUnit.MILLISECONDS);
            log.info("agent {} serving the queue (LISTEN {}, polling every {})", agent.name(), CHANNEL, agent.settings().pollInterval);
            Duration backoff = null;
            while (!stopping()) {
                listener = ensureListening(listener);
                try {
                    Optional<RunRequest> request = claim();
                    backoff = null;
                    if (request.isPresent()) {
                        execute(request.get());
                        served++;
                        continue;
                    }
                } catch (SQLException | RuntimeException e) {
                    // The database restarted or is unreachable: keep serving. The pool replaces dead
                    // connections; a run it interrupted is marked abandoned once its lease is over.
                    backoff = backoff == null ? agent.settings().backoffBase : min(backoff.multipliedBy(2), agent.settings().backoffMax);
                    log.warn("cannot reach the queue ({}); trying again in {}", e.getMessage(), backoff);
                    closeQuietly(listener);
                    listener = null;
                    agent.stopping().sleep(backoff);
                    continue;
                }
                listener = awaitWork(listener);
            }
        } finally {
            housekeeping.shutdownNow();
            closeQuietly(listener);
            try (Connection c = agent.database().autocommit()) {
                new JdbcTemplate(c).queryForString("SELECT audit.agent_stopped(?)", agent.name());
            } catch (SQLException | RuntimeException e) {
                log.warn("could not record the agent's stop: {}", e.getMessage());
            }
            log.info("agent {} stopped after {} request(s)", agent.name(), served);
        }
        return served;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private Optional<RunRequest> claim() throws SQLException {
        try (Connection c = agent.database().autocommit()) {
            return Optional.ofNullable(new JdbcTemplate(c).queryForObject(
                    "SELECT request_id, target, mode, requested_by FROM audit.claim_request(?)",
                    rs -> agent.executor().request(rs.getString(2), rs.getString(4))
                            .withMode(RunMode.fromSql(rs.getString(3))).withRequestId(rs.getLong(1)),
                    agent.name()));
        }
    }

    /** Runs a claimed request; the request's outcome is its run's, derived in SQL (audit.complete_request). */
    private void execute(RunRequest request) throws SQLException {
        log.info("claimed request {}: {} of {} (requested by {})", request.requestId(), request.mode().sqlName(), request.target(),
                request.requestedBy());
        String error = null;
        try {
            agent.executor().run(request, RunListener.NONE);
        } catch (SQLException | RuntimeException e) {
            log.error("request {} failed: {}", request.requestId(), e.getMessage(), e);
            error = "agent error: " + e.getMessage();
        }
        try (Connection c = agent.database().autocommit()) {
            new JdbcTemplate(c).queryForString("SELECT (audit.complete_request(?, ?)).status", request.requestId(), error);
        } catch (SQLException e) {
            // e.g. the claim was reaped while the run went on: the run's own history still says what happened
            log.warn("could not complete request {}: {}", request.requestId(), e.getMessage());
        }
    }

    /** Waits for a notification, the poll interval, or stop(); returns the (possibly new) listening connection. */
    private Connection awaitWork(Connection listener) {
        long deadline = System.nanoTime() + agent.settings().pollInterval.toNanos();
        while (!stopping() && System.nanoTime() < deadline) {
            if (listener == null) {
                synchronized (wake) {
                    try {
                        wake.wait(Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                }
                continue;
            }
            try {
                int wait = (int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000));
                var notifications = listener.unwrap(PGConnection.class).getNotifications(wait);
                if (notifications != null && notifications.length > 0) {
                    log.debug("woken by {} notification(s)", notifications.length);
                    return listener;
                }
            } catch (SQLException e) {
                log.warn("LISTEN connection lost ({}); polling until it is back", e.getMessage());
                closeQuietly(listener);
                listener = null;
            }
        }
        return listener;
    }

    private Connection ensureListening(Connection listener) {
        if (listener != null) {
            return listener;
        }
        try {
            Connection c = agent.database().dedicated("mvcert agent " + agent.name() + " (listen)");
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            log.warn("cannot LISTEN {} ({}); polling only", CHANNEL, e.getMessage());
            return null;
        }
    }

    private void announce() throws SQLException {
        try (Connection c = agent.database().autocommit();
             PreparedStatement ps = c.prepareStatement("SELECT audit.agent_heartbeat(?, ?, ?, ?)")) {
            ps.setString(1, agent.name());
            ps.setString(2, AgentRuntime.host());
            ps.setInt(3, AgentRuntime.pid());
            ps.setString(4, dev.mvcert.agent.cli.Main.version());
            ps.execute();
        }
    }

    private void announceQuietly() {
        try {
            announce();
        } catch (SQLException | RuntimeException e) {
            log.warn("agent heartbeat failed: {}", e.getMessage());
        }
    }

    private void reapQuietly() {
        // Claims without a run get the same lease as runs: an agent that claimed and died blocks
        // its target for one lease, not for the function's default of minutes.
        try (Connection c = agent.database().autocommit();
             PreparedStatement ps = c.prepareStatement("SELECT audit.reap_abandoned(?::interval)")) {
            ps.setString(1, agent.settings().lease().toMillis() + " milliseconds");
            ResultSet rs = ps.executeQuery();
            rs.next();
            int reaped = rs.getInt(1);
            if (reaped > 0) {
                log.warn("marked {} run(s)/claim(s) of silent agents abandoned", reaped);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("reaping abandoned runs failed: {}", e.getMessage());
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // going away anyway
            }
        }
    }

    /** For tests: how long until a queued request is noticed without a notification. */
    public Duration pollInterval() {
        return agent.settings().pollInterval;
    }
}

package dev.mvcert.agent.queue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.run.RunListener;
import dev.mvcert.agent.run.RunOutcome;
import dev.mvcert.agent.run.RunRequest;
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
    private volatile boolean stopping;
    private final Object wake = new Object();

    public QueueWorker(AgentRuntime agent) {
        this.agent = agent;
    }

    /** Stop claiming; the request in progress goes on (see GracefulShutdown). */
    public void stop() {
        stopping = true;
        agent.executor().stopStarting("cancelled: agent shutdown");
        synchronized (wake) {
            wake.notifyAll();
        }
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
            while (!stopping) {
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
                    pause(backoff);
                    continue;
                }
                listener = awaitWork(listener);
            }
        } finally {
            housekeeping.shutdownNow();
            closeQuietly(listener);
            try (Connection c = agent.database().autocommit(); PreparedStatement ps = c.prepareStatement("SELECT audit.agent_stopped(?)")) {
                ps.setString(1, agent.name());
                ps.execute();
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

    /** Sleeps for the backoff, or until stop(). */
    private void pause(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        synchronized (wake) {
            while (!stopping) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(wake, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private Optional<RunRequest> claim() throws SQLException {
        try (Connection c = agent.database().autocommit();
             PreparedStatement ps = c.prepareStatement("SELECT request_id, target, mode, requested_by FROM audit.claim_request(?)")) {
            ps.setString(1, agent.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new RunRequest(rs.getString("target"), RunRequest.Mode.parse(rs.getString("mode"), "request mode"),
                        rs.getString("requested_by"), rs.getLong("request_id")));
            }
        }
    }

    private void execute(RunRequest request) throws SQLException {
        log.info("claimed request {}: {} of {} (requested by {})", request.requestId(), request.mode().sql(), request.target(),
                request.requestedBy());
        RunOutcome outcome;
        try {
            outcome = agent.executor().run(request, RunListener.NONE);
        } catch (SQLException | RuntimeException e) {
            log.error("request {} failed: {}", request.requestId(), e.getMessage(), e);
            complete(request, "failed", null, "agent error: " + e.getMessage(), null);
            return;
        }
        String status = switch (outcome.kind()) {
            case CERTIFIED, NOT_CERTIFIED -> "done";
            case REFRESH_FAILED -> "failed";
            case SKIPPED -> "skipped";
            case CANCELLED -> "abandoned";
        };
        complete(request, status, outcome.runId(), outcome.summary(), outcome.kind() == RunOutcome.Kind.REFRESH_FAILED
                || outcome.kind() == RunOutcome.Kind.SKIPPED || outcome.kind() == RunOutcome.Kind.CANCELLED ? null : outcome.certified());
    }

    private void complete(RunRequest request, String status, Long runId, String outcome, Boolean certified) throws SQLException {
        try (Connection c = agent.database().autocommit();
             PreparedStatement ps = c.prepareStatement("SELECT audit.complete_request(?, ?, ?, ?, ?)")) {
            ps.setLong(1, request.requestId());
            ps.setString(2, status);
            ps.setObject(3, runId, java.sql.Types.BIGINT);
            ps.setString(4, outcome);
            ps.setObject(5, certified, java.sql.Types.BOOLEAN);
            ps.execute();
        } catch (SQLException e) {
            // e.g. the claim was reaped while the run went on: the run's own history still says what happened
            log.warn("could not complete request {} as {}: {}", request.requestId(), status, e.getMessage());
        }
    }

    /** Waits for a notification, the poll interval, or stop(); returns the (possibly new) listening connection. */
    private Connection awaitWork(Connection listener) {
        long deadline = System.nanoTime() + agent.settings().pollInterval.toNanos();
        while (!stopping && System.nanoTime() < deadline) {
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

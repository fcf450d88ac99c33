package dev.mvcert.agent;

import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.http.AgentHttpServer;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.agent.metrics.DatabaseState;
import dev.mvcert.agent.run.RetryPolicy;
import dev.mvcert.agent.run.RunExecutor;
import dev.mvcert.agent.run.Stopping;
import java.net.InetAddress;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts one agent process is made of, wired once: the connection pool, metrics, the
 * /metrics, /health and /report server (when a port is set) and the run executor. Closing it stops
 * them in reverse order.
 */
public final class AgentRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);

    private final AgentSettings settings;
    private final Database database;
    private final AgentMetrics metrics;
    private final AgentHttpServer http;
    private final RunExecutor executor;
    private final Stopping stopping = new Stopping();
    private final String name;

    public AgentRuntime(ConnectionSettings connection, AgentSettings settings, Set<String> ownedTargets) {
        this.settings = settings.validate();
        this.name = settings.agentName != null ? settings.agentName : defaultName();
        this.metrics = new AgentMetrics(settings.httpPort >= 0);
        this.database = Database.open(connection, settings.workConnections(), "mvcert agent " + name);
        AgentHttpServer server = null;
        try {
            if (settings.httpPort >= 0) {
                DatabaseState state = new DatabaseState(database, ownedTargets, settings.lease());
                server = AgentHttpServer.start(settings.httpPort, metrics, state::read, database);
                log.info("metrics at http://localhost:{}/metrics, health at http://localhost:{}/health, run reports at "
                        + "http://localhost:{}/report?target=VIEW", server.port(), server.port(), server.port());
            }
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        this.http = server;
        this.executor = new RunExecutor(database, settings, metrics, RetryPolicy.of(settings), "agent:" + name, stopping);
    }

    /** host:pid, unique among live agents on a network. */
    public static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    public static int pid() {
        return (int) ProcessHandle.current().pid();
    }

    public String name() { return name; }
    public AgentSettings settings() { return settings; }
    public Database database() { return database; }
    public AgentMetrics metrics() { return metrics; }
    public RunExecutor executor() { return executor; }
    /** The agent's stop signal: set by SIGTERM (GracefulShutdown) or the queue worker's stop. */
    public Stopping stopping() { return stopping; }

    /** The HTTP port, or -1 when the server is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        database.close();
    }

}

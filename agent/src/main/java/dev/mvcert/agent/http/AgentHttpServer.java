package dev.mvcert.agent.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.agent.metrics.AgentMetrics.DatabaseSnapshot;
import dev.mvcert.agent.metrics.TargetHealth;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} (JSON, 200 or 503) on the JDK's own
 * HTTP server. Both read the database state fresh (at most once a second) so a scrape shows
 * what the database says now, not what it said at the last run.
 */
public final class AgentHttpServer implements AutoCloseable {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Duration SNAPSHOT_MAX_AGE = Duration.ofSeconds(1);

    private final HttpServer server;
    private final AgentMetrics metrics;
    private final Supplier<DatabaseSnapshot> state;
    private DatabaseSnapshot snapshot;
    private Instant snapshotAt = Instant.MIN;

    private AgentHttpServer(HttpServer server, AgentMetrics metrics, Supplier<DatabaseSnapshot> state) {
        this.server = server;
        this.metrics = metrics;
        this.state = state;
    }

    /** Starts the server on {@code port} (0 = a free port) on all interfaces. */
    public static AgentHttpServer start(int port, AgentMetrics metrics, Supplier<DatabaseSnapshot> state) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            AgentHttpServer http = new AgentHttpServer(server, metrics, state);
            server.createContext("/metrics", http::metrics);
            server.createContext("/health", http::health);
            server.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "mvcert-http");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return http;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on --http-port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private synchronized DatabaseSnapshot current() {
        if (snapshot == null || Duration.between(snapshotAt, Instant.now()).compareTo(SNAPSHOT_MAX_AGE) > 0) {
            snapshot = state.get();
            snapshotAt = Instant.now();
            metrics.update(snapshot);
        }
        return snapshot;
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            current();
            send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        try (exchange) {
            DatabaseSnapshot now = current();
            boolean healthy = now.reachable() && now.targets().stream().noneMatch(TargetHealth::unhealthy);
            StringBuilder json = new StringBuilder();
            json.append("{\"status\":").append(Json.string(healthy ? "ok" : "unhealthy"))
                .append(",\"database_reachable\":").append(now.reachable())
                .append(",\"targets\":[");
            for (int i = 0; i < now.targets().size(); i++) {
                if (i > 0) {
                    json.append(',');
                }
                json.append(Json.object(now.targets().get(i).toJsonFields()));
            }
            json.append("],\"breakers\":").append(Json.object(new java.util.TreeMap<>(now.breakers()))).append("}\n");
            send(exchange, healthy ? 200 : 503, "application/json", json.toString());
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}

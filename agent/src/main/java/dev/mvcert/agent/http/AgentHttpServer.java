package dev.mvcert.agent.http;

import dev.mvcert.engine.json.Json;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.db.ConnectionFailure;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.metrics.AgentMetrics;
import dev.mvcert.agent.metrics.AgentMetrics.DatabaseSnapshot;
import dev.mvcert.agent.metrics.TargetHealth;
import dev.mvcert.agent.report.RunReportPage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} (JSON, 200 or 503) on the JDK's own
 * HTTP server. Both read the database state fresh (at most once a second) so a scrape shows
 * what the database says now, not what it said at the last run. {@code /report?target=X[&run=N]}
 * is the run report page ({@code mvcert report}), read from the database on each request.
 */
public final class AgentHttpServer implements AutoCloseable {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Duration SNAPSHOT_MAX_AGE = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(AgentHttpServer.class);
    /** SQLSTATEs that mean "no such target": not registered, no such relation or schema, a malformed name, not a view. */
    private static final Set<String> UNKNOWN_TARGET = Set.of("MVC01", "42P01", "3F000", "42602", "42809", "22P02");

    private final HttpServer server;
    private final AgentMetrics metrics;
    private final Supplier<DatabaseSnapshot> state;
    private final Database database;
    private DatabaseSnapshot snapshot;
    private Instant snapshotAt = Instant.MIN;

    private AgentHttpServer(HttpServer server, AgentMetrics metrics, Supplier<DatabaseSnapshot> state, Database database) {
        this.server = server;
        this.metrics = metrics;
        this.state = state;
        this.database = database;
    }

    /** Starts the server on {@code port} (0 = a free port) on all interfaces; /report reads through {@code database}. */
    public static AgentHttpServer start(int port, AgentMetrics metrics, Supplier<DatabaseSnapshot> state, Database database) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            AgentHttpServer http = new AgentHttpServer(server, metrics, state, database);
            server.createContext("/metrics", http::metrics);
            server.createContext("/health", http::health);
            server.createContext("/report", http::report);
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
                json.append(Json.write(now.targets().get(i).toJsonFields()));
            }
            json.append("],\"breakers\":").append(Json.write(new java.util.TreeMap<>(now.breakers()))).append("}\n");
            send(exchange, healthy ? 200 : 503, "application/json", json.toString());
        }
    }

    private void report(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String target = query.get("target");
            if (target == null || target.isBlank()) {
                sendText(exchange, 400, "missing ?target=VIEW, e.g. /report?target=ml.survival_feature_store_t0_v1_v\n");
                return;
            }
            Long run = null;
            if (query.containsKey("run")) {
                try {
                    run = Long.valueOf(query.get("run"));
                } catch (NumberFormatException e) {
                    run = -1L;
                }
                if (run <= 0) {
                    sendText(exchange, 400, "run must be a positive run id (got " + query.get("run") + ")\n");
                    return;
                }
            }
            try (Connection c = database.transactional()) {
                RunReportPage.Rendered page = RunReportPage.of(c, target, run);
                exchange.getResponseHeaders().set("Content-Security-Policy", page.contentSecurityPolicy());
                exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                send(exchange, 200, "text/html; charset=utf-8", page.html());
            } catch (ConfigurationException e) {
                sendText(exchange, 404, e.getMessage() + "\n");
            } catch (ConnectionFailure e) {
                sendText(exchange, 503, "database unreachable: " + e.getMessage() + "\n");
            } catch (SQLException e) {
                int status = ConnectionFailure.isConnectionProblem(e) ? 503 : UNKNOWN_TARGET.contains(e.getSQLState()) ? 404 : 500;
                if (status == 500) {
                    log.warn("report of {} failed: {}", target, e.getMessage());
                }
                sendText(exchange, status, e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")\n");
            } catch (RuntimeException e) {
                log.error("report of {} failed", target, e);
                sendText(exchange, 500, "report failed: " + e + "\n");
            }
        }
    }

    /** Query parameters, decoded; the first of a repeated name wins. */
    static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }

    private static void sendText(HttpExchange exchange, int status, String body) throws IOException {
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        send(exchange, status, "text/plain; charset=utf-8", body);
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

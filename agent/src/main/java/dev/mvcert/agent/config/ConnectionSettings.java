package dev.mvcert.agent.config;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where and as whom the agent connects: from {@code --jdbc-url} (+ {@code --user},
 * {@code --password-file}) or, as psql does, from the libpq environment ({@code PGHOST},
 * {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGPASSFILE}
 * or {@code ~/.pgpass}).
 *
 * <p>The password never appears in {@link #toString()} or in any message: logs and errors name
 * where it came from instead.
 */
public final class ConnectionSettings {

    private static final String JDBC_PREFIX = "jdbc:postgresql:";

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String passwordSource;
    private final List<String> warnings;

    private ConnectionSettings(String jdbcUrl, String user, String password, String passwordSource, List<String> warnings) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.passwordSource = passwordSource;
        this.warnings = List.copyOf(warnings);
    }

    /** Explicit settings, e.g. for tests and the demo's own cluster. */
    public static ConnectionSettings of(String jdbcUrl, String user, String password) {
        requireJdbcUrl(jdbcUrl);
        return new ConnectionSettings(jdbcUrl, user, password, password == null ? "none" : "given", List.of());
    }

    /**
     * Resolves the settings; command-line values win over the environment.
     *
     * @param jdbcUrl      {@code --jdbc-url} or null
     * @param user         {@code --user} or null
     * @param passwordFile {@code --password-file} or null: a file whose first line is the password
     * @param env          the process environment (tests pass their own)
     * @param home         the user's home directory, for {@code ~/.pgpass}
     */
    public static ConnectionSettings resolve(String jdbcUrl, String user, Path passwordFile, Map<String, String> env, Path home) {
        List<String> warnings = new ArrayList<>();
        String url;
        String host;
        int port;
        String database;
        String effectiveUser = firstNonBlank(user, env.get("PGUSER"));
        if (jdbcUrl != null) {
            requireJdbcUrl(jdbcUrl);
            url = jdbcUrl;
            UrlParts parts = UrlParts.parse(jdbcUrl);
            host = parts.host;
            port = parts.port;
            database = parts.database;
            effectiveUser = firstNonBlank(effectiveUser, parts.user);
            if (parts.password != null) {
                throw new ConfigurationException("--jdbc-url must not contain a password (found a password parameter); "
                        + "use --password-file, PGPASSWORD or ~/.pgpass so it stays out of process listings and logs");
            }
        } else {
            host = firstNonBlank(env.get("PGHOST"), "localhost");
            if (host.startsWith("/")) {
                throw new ConfigurationException("PGHOST=" + host + " is a Unix socket directory; the agent connects over TCP: "
                        + "set PGHOST to a host name or give --jdbc-url");
            }
            if (host.contains(",")) {
                throw new ConfigurationException("PGHOST=" + host + " lists several hosts; give one host, or --jdbc-url for failover");
            }
            port = parsePort(firstNonBlank(env.get("PGPORT"), "5432"));
            effectiveUser = firstNonBlank(effectiveUser, System.getProperty("user.name"));
            database = firstNonBlank(env.get("PGDATABASE"), effectiveUser);
            url = JDBC_PREFIX + "//" + hostForUrl(host) + ":" + port + "/" + database;
        }
        if (effectiveUser == null) {
            effectiveUser = System.getProperty("user.name");
        }

        String password = null;
        String source = "none";
        if (passwordFile != null) {
            password = readPasswordFile(passwordFile);
            source = "--password-file " + passwordFile;
        } else if (env.get("PGPASSWORD") != null) {
            password = env.get("PGPASSWORD");
            source = "PGPASSWORD";
        } else {
            Path pgpass = env.get("PGPASSFILE") != null ? Path.of(env.get("PGPASSFILE")) : home == null ? null : home.resolve(".pgpass");
            if (pgpass != null) {
                Optional<String> found = PgPass.read(pgpass, warnings).passwordFor(host, port, database, effectiveUser);
                if (found.isPresent()) {
                    password = found.get();
                    source = pgpass.toString();
                }
            }
        }
        return new ConnectionSettings(url, effectiveUser, password, source, warnings);
    }

    public String jdbcUrl() { return jdbcUrl; }
    public String user() { return user; }
    /** May be null (trust or peer-less setups). */
    public String password() { return password; }
    /** Where the password came from ("PGPASSWORD", a file name, "none"): safe to log. */
    public String passwordSource() { return passwordSource; }
    /** Non-fatal problems found while resolving (e.g. an ignored .pgpass). */
    public List<String> warnings() { return warnings; }

    /** Properties for {@link java.sql.DriverManager} and the pool. */
    public Properties driverProperties(String applicationName) {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", applicationName);
        return p;
    }

    @Override
    public String toString() {
        return jdbcUrl + " as " + user + " (password: " + passwordSource + ")";
    }

    private static void requireJdbcUrl(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.startsWith(JDBC_PREFIX)) {
            throw new ConfigurationException("--jdbc-url must start with " + JDBC_PREFIX + " (got " + redactUrl(jdbcUrl) + ")");
        }
    }

    /** A JDBC URL with any password parameter masked, for messages. */
    public static String redactUrl(String url) {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&]*", "$1********");
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigurationException("PGPORT must be a port number between 1 and 65535 (got " + text + ")");
    }

    private static String readPasswordFile(Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            int newline = content.indexOf('\n');
            String first = newline < 0 ? content : content.substring(0, newline);
            return first.endsWith("\r") ? first.substring(0, first.length() - 1) : first;
        } catch (IOException e) {
            throw new ConfigurationException("--password-file " + file + " cannot be read: " + e.getMessage());
        }
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : (b != null && !b.isBlank() ? b : null);
    }

    /** The parts of a pgjdbc URL that .pgpass matching needs. */
    private record UrlParts(String host, int port, String database, String user, String password) {
        static UrlParts parse(String url) {
            String rest = url.substring(JDBC_PREFIX.length());
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            String host = "localhost";
            int port = 5432;
            String database;
            if (rest.startsWith("//")) {
                rest = rest.substring(2);
                int slash = rest.indexOf('/');
                String hostPort = slash < 0 ? rest : rest.substring(0, slash);
                database = slash < 0 ? "" : rest.substring(slash + 1);
                String firstHost = hostPort.split(",")[0];
                int colon = firstHost.lastIndexOf(':');
                if (colon > 0 && !firstHost.endsWith("]")) {
                    host = firstHost.substring(0, colon);
                    try {
                        port = Integer.parseInt(firstHost.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        throw new ConfigurationException("--jdbc-url has an invalid port: " + firstHost.substring(colon + 1));
                    }
                } else if (!firstHost.isEmpty()) {
                    host = firstHost;
                }
                host = host.replaceAll("^\\[|]$", "");
            } else {
                database = rest;
            }
            String user = null;
            String password = null;
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String key = pair.substring(0, eq);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (key.equalsIgnoreCase("user")) {
                    user = value;
                } else if (key.equalsIgnoreCase("password")) {
                    password = value;
                }
            }
            database = URLDecoder.decode(database, StandardCharsets.UTF_8);
            return new UrlParts(host, port, database, user, password);
        }
    }
}

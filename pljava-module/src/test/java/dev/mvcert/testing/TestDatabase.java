package dev.mvcert.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A database of the test cluster, created for one test class, with the mvcert extension installed. */
public final class TestDatabase {

    private final PostgresCluster cluster;
    private final String name;

    TestDatabase(PostgresCluster cluster, String name) {
        this.cluster = cluster;
        this.name = name;
    }

    public String name() { return name; }
    public PostgresCluster cluster() { return cluster; }
    public String jdbcUrl() { return cluster.jdbcUrl(name); }

    /** A superuser connection in autocommit mode. */
    public Connection connect() throws SQLException {
        return cluster.connect(name);
    }

    /** Runs one or more SQL statements (no parameters) in autocommit mode. */
    public void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nwhile running:\n" + sql, e);
        }
    }

    /** The first column of the first row of a query, or null when it returns no rows. */
    public <T> T queryValue(Class<T> type, String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, type) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nwhile running:\n" + sql, e);
        }
    }

    /** The first column of every row of a query, as text. */
    public List<String> queryColumn(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nwhile running:\n" + sql, e);
        }
    }

    /**
     * Loads an example pipeline from {@code sql/examples/<example>/} (every file in name order:
     * schemas, base tables and materialized views created WITH NO DATA), then fills the base
     * tables with synthetic data at the given scale.
     */
    public void loadExample(ExamplePipeline example, int scale) {
        Path dir = cluster.projectRoot().resolve("sql/examples").resolve(example.directory());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
                execute(Files.readString(file, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(example.generatorCall())) {
            ps.setInt(1, scale);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("generating data for " + example + ": " + e.getMessage(), e);
        }
    }
}

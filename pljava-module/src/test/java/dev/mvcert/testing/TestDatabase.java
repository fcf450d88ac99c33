package dev.mvcert.testing;

import dev.mvcert.local.ExamplePipeline;
import dev.mvcert.local.LocalCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A database of the test cluster, created for one test class, with the mvcert extension installed. */
public final class TestDatabase {

    private final LocalCluster cluster;
    private final String name;

    public TestDatabase(LocalCluster cluster, String name) {
        this.cluster = cluster;
        this.name = name;
    }

    public String name() { return name; }
    public LocalCluster cluster() { return cluster; }
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

    /** Loads an example pipeline of sql/examples and generates its data at the given scale. */
    public void loadExample(ExamplePipeline example, int scale) {
        try (Connection c = connect()) {
            example.load(c, cluster.projectRoot(), scale);
        } catch (SQLException e) {
            throw new IllegalStateException("loading example " + example + ": " + e.getMessage(), e);
        }
    }
}

package dev.mvcert.engine.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's few ways of talking to PostgreSQL, in one place: run a statement with
 * parameters and read one value, one row or all rows. Every statement's rows are read, because
 * PL/Java's in-database JDBC evaluates a SELECT only as its rows are fetched; a SELECT of a
 * function that writes is still a SELECT.
 */
public final class JdbcTemplate {

    private final Connection connection;

    public JdbcTemplate(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    /** Reads one row of a result. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** The first column of the first row, as text (null when there is no row or the value is NULL). */
    public String queryForString(String sql, Object... params) throws SQLException {
        return queryForObject(sql, rs -> rs.getString(1), params);
    }

    /** The first column of the first row as a long; null when there is no row or the value is NULL. */
    public Long queryForLong(String sql, Object... params) throws SQLException {
        return queryForObject(sql, rs -> {
            long value = rs.getLong(1);
            return rs.wasNull() ? null : value;
        }, params);
    }

    /** The first row mapped, or null when there is none. */
    public <T> T queryForObject(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? mapper.map(rs) : null;
        }
    }

    /** Every row mapped. */
    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    /** Runs a statement that returns no rows (a utility statement such as REFRESH or ANALYZE). */
    public void execute(String sql) throws SQLException {
        try (var s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    /** A text[] literal: PL/Java's in-database JDBC has no createArrayOf, so arrays travel as text ({@code ?::text[]}). */
    public static String textArray(List<String> values) {
        StringBuilder literal = new StringBuilder("{");
        for (String value : values == null ? List.<String>of() : values) {
            if (literal.length() > 1) {
                literal.append(',');
            }
            literal.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return literal.append('}').toString();
    }

    private PreparedStatement prepare(String sql, Object... params) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                bind(ps, i + 1, params[i]);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) {
            // NULLs travel untyped: every statement casts its parameters where the type matters
            ps.setNull(index, Types.VARCHAR);
        } else if (value instanceof Long l) {
            ps.setLong(index, l);
        } else if (value instanceof Integer n) {
            ps.setInt(index, n);
        } else if (value instanceof Boolean b) {
            ps.setBoolean(index, b);
        } else {
            ps.setString(index, value.toString());
        }
    }
}

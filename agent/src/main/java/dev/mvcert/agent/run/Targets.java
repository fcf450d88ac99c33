package dev.mvcert.agent.run;

import dev.mvcert.agent.config.ConfigurationException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Target names as mvcert stores them: schema-qualified, quoted where needed (format('%I.%I')). */
public final class Targets {

    private Targets() {
    }

    /**
     * The canonical name of a view or materialized view given as the user wrote it. Reads only
     * pg_catalog, so any role may call it; a missing relation is the database's own error.
     */
    public static String canonical(Connection c, String target) throws SQLException {
        requireName(target);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), c.relkind::text "
                + "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::regclass")) {
            ps.setString(1, target);
            try (ResultSet rs = executeNaming(ps, target)) {
                rs.next();
                String kind = rs.getString(2);
                if (!"v".equals(kind) && !"m".equals(kind)) {
                    throw new ConfigurationException("--target " + quoted(target) + " is not a view or materialized view (relkind " + kind + ")");
                }
                return rs.getString(1);
            }
        }
    }

    /**
     * Runs a statement that casts the user's --target to regclass. PostgreSQL's own errors for a
     * malformed name ("invalid name syntax") or a missing schema do not say which input was
     * wrong; these are re-raised naming the value as given, with the same SQLSTATE.
     */
    public static ResultSet executeNaming(PreparedStatement ps, String target) throws SQLException {
        requireName(target);
        try {
            return ps.executeQuery();
        } catch (SQLException e) {
            throw naming(target, e);
        }
    }

    /** The --target value as given, refused when blank (the database's own error would not name it). */
    public static String require(String target) {
        if (target == null || target.isBlank()) {
            throw new ConfigurationException("--target must name a view or materialized view, got '" + target + "'");
        }
        return target;
    }

    /**
     * A database error about the user's --target, re-raised naming the value as given when
     * PostgreSQL's own message does not ("invalid name syntax", a missing schema), with the same SQLSTATE.
     */
    public static SQLException naming(String target, SQLException e) {
        String state = e.getSQLState();
        if (!"42602".equals(state) && !"42P01".equals(state) && !"3F000".equals(state)) {
            return e;
        }
        String message = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getMessage() : e.getMessage();
        // PostgreSQL quotes the names it could not find; anything else does not name the input
        if (message != null && message.contains(quoted(target))) {
            return e;
        }
        return new SQLException("--target " + quoted(target) + ": " + message, state, e);
    }

    /**
     * An empty or blank --target is a usage error: PostgreSQL would answer "invalid name
     * syntax", which names nothing, and a blank value is invisible in any message.
     */
    private static void requireName(String target) {
        if (target != null && target.isBlank()) {
            throw new ConfigurationException("--target " + quoted(target) + " is " + (target.isEmpty() ? "empty" : "blank")
                    + ": name a view or materialized view, e.g. --target ml.features_v");
        }
    }

    /** The value as given, in double quotes like PostgreSQL's messages, so blanks and edges stay visible. */
    private static String quoted(String target) {
        return '"' + target + '"';
    }
}

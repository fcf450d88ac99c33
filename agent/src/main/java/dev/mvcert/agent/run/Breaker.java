package dev.mvcert.agent.run;

import dev.mvcert.agent.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The per-view circuit breaker kept in the database (audit.breaker), so every agent and SQL
 * client sees the same state. Each call is its own short autocommit transaction, as
 * breaker_permit asks.
 */
final class Breaker {

    static final String CLOSED = "closed";
    static final String HALF_OPEN = "half_open";
    static final String OPEN = "open";

    private final Database database;

    Breaker(Database database) {
        this.database = database;
    }

    /** 'closed' refresh, 'half_open' refresh as the one trial, 'open' skip. */
    String permit(String matview, String target) throws SQLException {
        try (Connection c = database.autocommit(); PreparedStatement ps = c.prepareStatement("SELECT audit.breaker_permit(?, ?)")) {
            ps.setString(1, matview);
            ps.setString(2, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The view's final outcome in this run (after retries); returns the breaker's new state. */
    String record(String matview, boolean succeeded, String error, String target) throws SQLException {
        try (Connection c = database.autocommit(); PreparedStatement ps = c.prepareStatement("SELECT audit.breaker_record(?, ?, ?, ?)")) {
            ps.setString(1, matview);
            ps.setBoolean(2, succeeded);
            ps.setString(3, error);
            ps.setString(4, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}

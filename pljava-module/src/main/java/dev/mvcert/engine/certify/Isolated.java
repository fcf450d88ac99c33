package dev.mvcert.engine.certify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;

/**
 * Runs a piece of SQL work so that its failure does not abort the caller's transaction: inside
 * a savepoint when the connection is in a transaction (the engine never commits or rolls
 * back the transaction itself; a savepoint is undone, not the caller's work). A check whose
 * query fails (a bad user assertion, a gate expression referring to a dropped column) then
 * becomes a failed result instead of losing the whole certification.
 */
public final class Isolated {

    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException;
    }

    private Isolated() {}

    public static <T> T run(Connection connection, Work<T> work) throws SQLException {
        if (connection.getAutoCommit()) {
            return work.run();
        }
        Savepoint savepoint = connection.setSavepoint();
        try {
            T result = work.run();
            connection.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback(savepoint);
            throw e;
        }
    }

    /**
     * Runs a query composed from user rules, after the server has confirmed it is exactly one
     * query (audit._require_single_query plans it without running it): a rule smuggling in
     * more statements fails here and none of them runs.
     */
    public static ResultSet queryRuleSql(Statement statement, String sql) throws SQLException {
        try (PreparedStatement check = statement.getConnection().prepareStatement("SELECT audit._require_single_query(?)")) {
            check.setString(1, sql);
            // read the row: under PL/Java a SELECT runs only when its rows are read
            try (ResultSet done = check.executeQuery()) {
                done.next();
            }
        }
        return statement.executeQuery(sql);
    }

    /** "SQLSTATE 42703: column x does not exist" */
    static String describe(SQLException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
        return e.getSQLState() == null ? message : "SQLSTATE " + e.getSQLState() + ": " + message;
    }
}

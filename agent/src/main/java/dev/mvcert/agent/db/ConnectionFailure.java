package dev.mvcert.agent.db;

import dev.mvcert.agent.config.ConnectionSettings;
import java.sql.SQLException;

/** The database cannot be reached or refuses the login. The message never contains the password. */
public final class ConnectionFailure extends RuntimeException {

    private final boolean afterConnecting;

    /** The first connection of a command failed. */
    public ConnectionFailure(ConnectionSettings settings, Throwable cause) {
        this(settings, cause, false);
    }

    /** @param afterConnecting the command had reached the database before: it went away mid-command */
    public ConnectionFailure(ConnectionSettings settings, Throwable cause, boolean afterConnecting) {
        super("cannot connect to " + ConnectionSettings.redactUrl(settings.jdbcUrl()) + " as " + settings.user()
                + " (password from " + settings.passwordSource() + "): " + scrub(cause.getMessage(), settings.password()), cause);
        this.afterConnecting = afterConnecting;
    }

    /** Whether the database had been reached before in this command (so the connection was lost, not refused at the start). */
    public boolean afterConnecting() {
        return afterConnecting;
    }

    /** SQLSTATE class 08 (connection exception) and 28 (invalid authorization), or no state at all. */
    public static boolean isConnectionProblem(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("28") || state.equals("57P03");
    }

    private static String scrub(String message, String password) {
        if (message == null) {
            return "no detail";
        }
        return password == null || password.isEmpty() ? message : message.replace(password, "********");
    }
}

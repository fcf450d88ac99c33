package dev.mvcert.engine;

import java.sql.Connection;
import java.util.Objects;

/**
 * THE public API of the mvcert engine: one object per connection, one method per verb, each
 * verb implemented by its own class behind it.
 *
 * <p>The engine never begins, commits or rolls back a transaction; the caller does. In the
 * agent that is a pooled JDBC connection; inside PostgreSQL under PL/Java it is
 * {@code jdbc:default:connection}. It logs through {@link System.Logger}.
 */
public final class Mvcert {

    private final Connection connection;

    public Mvcert(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    public Connection connection() {
        return connection;
    }

    // --- planning and refresh -------------------------------------------------------------

    // --- certification and baselines ------------------------------------------------------
}

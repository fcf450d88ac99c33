package dev.mvcert.agent.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.mvcert.agent.config.ConnectionSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The agent's connections: a bounded HikariCP pool for refresh work (autocommit off, one
 * transaction per step or per atomic run) and history writes (autocommit on, so history
 * survives a rollback of the work), plus dedicated connections for LISTEN.
 */
public final class Database implements AutoCloseable {

    private final ConnectionSettings settings;
    private final HikariDataSource pool;

    private Database(ConnectionSettings settings, HikariDataSource pool) {
        this.settings = settings;
        this.pool = pool;
    }

    /**
     * Opens the pool and checks the database is reachable.
     *
     * @param workConnections how many refreshes may run at once; the pool also holds one history
     *                        connection per worker and two for the agent's own bookkeeping
     */
    public static Database open(ConnectionSettings settings, int workConnections, String applicationName) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("mvcert");
        config.setJdbcUrl(settings.jdbcUrl());
        config.setDataSourceProperties(settings.driverProperties(applicationName));
        config.setMaximumPoolSize(2 * workConnections + 2);
        // a run uses two at once from its first step (the step's own, and its history's, where the
        // step's start is written): the pool opens the second in the background while the first
        // one reads the plan (see below)
        config.setMinimumIdle(2);
        // only so that open() can ask the pool to fill at once (suspendPool, resumePool)
        config.setAllowPoolSuspension(true);
        config.setAutoCommit(true);
        config.setConnectionTimeout(30_000);
        // Refresh steps may take hours; only idle connections are recycled.
        config.setMaxLifetime(30 * 60_000L);
        config.setInitializationFailTimeout(1);
        // If this agent dies mid-refresh, its backends notice the closed socket within seconds
        // (instead of running the refresh to the end) and release the view's advisory lock.
        config.setConnectionInitSql("SET client_connection_check_interval = '5s'");
        try {
            HikariDataSource pool = new HikariDataSource(config);
            // HikariCP opens its first connection at once and the others on its housekeeping
            // thread, which first runs 100 ms after the pool starts: a short run's first step
            // would wait there for its second connection. Resuming the pool fills it up to
            // minimumIdle at once, on the pool's own thread, while this thread goes on.
            pool.getHikariPoolMXBean().suspendPool();
            pool.getHikariPoolMXBean().resumePool();
            return new Database(settings, pool);
        } catch (RuntimeException e) {
            // HikariCP wraps the driver's failure (PoolInitializationException and kin).
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof SQLException)) {
                cause = cause.getCause();
            }
            if (cause instanceof SQLException sql && ConnectionFailure.isConnectionProblem(sql)) {
                throw new ConnectionFailure(settings, sql);
            }
            throw e;
        }
    }

    /** A pooled connection in autocommit mode (history, queue, breaker calls). */
    public Connection autocommit() throws SQLException {
        Connection c = borrow();
        c.setAutoCommit(true);
        return c;
    }

    /**
     * A pooled connection inside a transaction (autocommit off): the caller commits or rolls
     * back; closing it without either rolls back.
     */
    public Connection transactional() throws SQLException {
        Connection c = borrow();
        c.setAutoCommit(false);
        return c;
    }

    /** A connection outside the pool, for a session that lives as long as the agent (LISTEN). */
    public Connection dedicated(String applicationName) throws SQLException {
        try {
            return DriverManager.getConnection(settings.jdbcUrl(), settings.driverProperties(applicationName));
        } catch (SQLException e) {
            if (ConnectionFailure.isConnectionProblem(e)) {
                throw new ConnectionFailure(settings, e, true);
            }
            throw e;
        }
    }

    public ConnectionSettings settings() {
        return settings;
    }

    private Connection borrow() throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            // open() connected already: the server went away since
            if (ConnectionFailure.isConnectionProblem(e)) {
                throw new ConnectionFailure(settings, e, true);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    /** Properties of a plain driver connection, for code that must not use the pool. */
    public Properties driverProperties(String applicationName) {
        return settings.driverProperties(applicationName);
    }
}

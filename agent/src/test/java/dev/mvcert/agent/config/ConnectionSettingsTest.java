package dev.mvcert.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionSettingsTest {

    @Test
    void libpqEnvironmentBuildsTheUrlAndPgpassGivesThePassword(@TempDir Path home) throws Exception {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "db.example:6432:sales:etl:s3cret\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        ConnectionSettings s = ConnectionSettings.resolve(null, null, null,
                Map.of("PGHOST", "db.example", "PGPORT", "6432", "PGDATABASE", "sales", "PGUSER", "etl"), home);
        assertEquals("jdbc:postgresql://db.example:6432/sales", s.jdbcUrl());
        assertEquals("etl", s.user());
        assertEquals("s3cret", s.password());
        assertEquals(pgpass.toString(), s.passwordSource());
        assertFalse(s.toString().contains("s3cret"), s.toString());
    }

    @Test
    void databaseDefaultsToTheUserAndPgpassfileOverridesHome(@TempDir Path home) throws Exception {
        Path other = home.resolve("elsewhere");
        Files.writeString(other, "*:*:*:*:fromfile\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
        ConnectionSettings s = ConnectionSettings.resolve(null, null, null,
                Map.of("PGUSER", "ann", "PGPASSFILE", other.toString()), home);
        assertEquals("jdbc:postgresql://localhost:5432/ann", s.jdbcUrl());
        assertEquals("fromfile", s.password());
    }

    @Test
    void commandLineWinsOverEnvironmentAndPasswordFileOverPgpassword(@TempDir Path home) throws Exception {
        Path pw = home.resolve("pw");
        Files.writeString(pw, "fromoption\nsecond line ignored\n");
        ConnectionSettings s = ConnectionSettings.resolve("jdbc:postgresql://h:5555/db", "bob", pw,
                Map.of("PGUSER", "ann", "PGPASSWORD", "fromenv", "PGHOST", "ignored"), home);
        assertEquals("jdbc:postgresql://h:5555/db", s.jdbcUrl());
        assertEquals("bob", s.user());
        assertEquals("fromoption", s.password());
    }

    @Test
    void pgpassIsMatchedAgainstTheJdbcUrlsHostPortAndDatabase(@TempDir Path home) throws Exception {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "other:5555:db:bob:wrong\nh:5555:db:bob:right\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        ConnectionSettings s = ConnectionSettings.resolve("jdbc:postgresql://h:5555/db?user=bob", null, null, Map.of(), home);
        assertEquals("bob", s.user());
        assertEquals("right", s.password());
    }

    @Test
    void noPasswordAnywhereIsNull(@TempDir Path home) {
        ConnectionSettings s = ConnectionSettings.resolve("jdbc:postgresql://h/db", "u", null, Map.of(), home);
        assertNull(s.password());
        assertEquals("none", s.passwordSource());
    }

    @Test
    void badValuesAreRefusedNamingTheSettingAndValue(@TempDir Path home) {
        assertTrue(assertThrows(ConfigurationException.class, () -> ConnectionSettings.resolve(null, null, null,
                Map.of("PGPORT", "54x"), home)).getMessage().contains("PGPORT must be a port number between 1 and 65535 (got 54x)"));
        assertTrue(assertThrows(ConfigurationException.class, () -> ConnectionSettings.resolve("mysql://h/db", null, null,
                Map.of(), home)).getMessage().contains("--jdbc-url must start with jdbc:postgresql: (got mysql://h/db)"));
        assertTrue(assertThrows(ConfigurationException.class, () -> ConnectionSettings.resolve(null, null, null,
                Map.of("PGHOST", "/var/run/postgresql"), home)).getMessage().contains("PGHOST=/var/run/postgresql is a Unix socket"));
        ConfigurationException inUrl = assertThrows(ConfigurationException.class, () -> ConnectionSettings.resolve(
                "jdbc:postgresql://h/db?password=hunter2", null, null, Map.of(), home));
        assertTrue(inUrl.getMessage().contains("must not contain a password"));
        assertFalse(inUrl.getMessage().contains("hunter2"));
    }

    @Test
    void agentSettingsValidationNamesEveryBadOption() {
        AgentSettings s = new AgentSettings();
        s.parallel = -1;
        s.httpPort = 70000;
        s.retryBudget = java.time.Duration.ZERO;
        String message = assertThrows(ConfigurationException.class, s::validate).getMessage();
        assertTrue(message.contains("--parallel must be between 0 and 64 (got -1)"), message);
        assertTrue(message.contains("--http-port must be between -1 and 65535 (got 70000)"), message);
        assertTrue(message.contains("--retry-budget must be a positive duration"), message);
    }
}

package dev.mvcert.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgPassTest {

    @Test
    void firstMatchingLineWinsAndWildcardsMatchAnything() {
        PgPass file = PgPass.parse("""
                # comment line
                db1:5432:app:alice:first
                *:5432:app:alice:second
                *:*:*:*:fallback
                """);
        assertEquals(Optional.of("first"), file.passwordFor("db1", 5432, "app", "alice"));
        assertEquals(Optional.of("second"), file.passwordFor("db2", 5432, "app", "alice"));
        assertEquals(Optional.of("fallback"), file.passwordFor("db2", 6543, "other", "bob"));
    }

    @Test
    void escapedColonsAndBackslashesAreLiteral() {
        PgPass file = PgPass.parse("h\\:x:5432:d\\\\b:u:pa\\:ss\\\\word:ignored\n");
        assertEquals(Optional.of("pa:ss\\word"), file.passwordFor("h:x", 5432, "d\\b", "u"));
    }

    @Test
    void noMatchAndMalformedLinesGiveNothing() {
        PgPass file = PgPass.parse("host:5432:db\nhost:5432:db:user:pw\n");
        assertEquals(1, file.size());
        assertEquals(Optional.empty(), file.passwordFor("host", 5432, "db", "someone-else"));
        assertEquals(Optional.empty(), file.passwordFor("host", 5433, "db", "user"));
    }

    @Test
    void fileReadableByOthersIsIgnoredWithAWarning(@TempDir Path dir) throws Exception {
        Path pgpass = dir.resolve(".pgpass");
        Files.writeString(pgpass, "*:*:*:*:secret\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> warnings = new ArrayList<>();
        assertEquals(Optional.empty(), PgPass.read(pgpass, warnings).passwordFor("h", 1, "d", "u"));
        assertTrue(warnings.get(0).contains("0600"), warnings.toString());

        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        warnings.clear();
        assertEquals(Optional.of("secret"), PgPass.read(pgpass, warnings).passwordFor("h", 1, "d", "u"));
        assertTrue(warnings.isEmpty());
    }

    @Test
    void entryToStringHidesThePassword() {
        assertEquals("h:1:d:u:********", new PgPass.Entry("h", "1", "d", "u", "topsecret").toString());
    }
}

package dev.mvcert.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MainTest {

    @ParameterizedTest
    @ValueSource(strings = {"serve", "run", "plan", "certify", "baseline", "status", "report", "schedule", "demo"})
    void everyCommandHasHelpListingTheExitCodes(String command) {
        CliRunner.Result r = CliRunner.run(command, "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Usage: mvcert " + command), r.toString());
        assertTrue(r.out().contains("--jdbc-url"), r.toString());
        assertTrue(r.out().contains("Exit codes:") && r.out().contains("Cannot connect to the database."), r.toString());
    }

    @Test
    void topLevelHelpListsTheCommands() {
        CliRunner.Result r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        for (String command : new String[] {"serve", "run", "plan", "certify", "baseline", "status", "report", "schedule", "demo"}) {
            assertTrue(r.out().contains("  " + command), command + " missing from\n" + r.out());
        }
    }

    @Test
    void noCommandOrAnUnknownOptionIsAUsageError() {
        CliRunner.Result none = CliRunner.run();
        assertEquals(ExitCode.USAGE.code(), none.exitCode(), none.toString());
        assertTrue(none.err().contains("a command is required"), none.toString());
        CliRunner.Result unknown = CliRunner.run("status", "--no-such-option");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("Unknown option: '--no-such-option'"), unknown.toString());
        assertTrue(unknown.err().contains("mvcert status --help"), unknown.toString());
    }

    @Test
    void badSettingsAreUsageErrorsNamingTheSetting() {
        CliRunner.Result port = CliRunner.run(Map.of("PGPORT", "notaport"), "status");
        assertEquals(2, port.exitCode(), port.toString());
        assertTrue(port.err().contains("PGPORT must be a port number between 1 and 65535 (got notaport)"), port.toString());
        CliRunner.Result format = CliRunner.run("status", "--log-format", "xml");
        assertEquals(2, format.exitCode(), format.toString());
        assertTrue(format.err().contains("--log-format must be text or json (got xml)"), format.toString());
        CliRunner.Result duration = CliRunner.run("run", "--target", "x", "--retry-budget", "soon");
        assertEquals(2, duration.exitCode(), duration.toString());
        assertTrue(duration.err().contains("'soon' is not a duration"), duration.toString());
        CliRunner.Result parallel = CliRunner.run("run", "--target", "x", "--parallel", "0");
        assertEquals(2, parallel.exitCode(), parallel.toString());
        assertTrue(parallel.err().contains("--parallel must be between 1 and 64 (got 0)"), parallel.toString());
        CliRunner.Result mode = CliRunner.run("run", "--target", "x", "--mode", "eventually");
        assertEquals(2, mode.exitCode(), mode.toString());
        assertTrue(mode.err().contains("--mode must be incremental or atomic (got eventually)"), mode.toString());
    }

    @Test
    void anUnreachableDatabaseIsExitCodeThreeAndThePasswordIsNotShown() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CliRunner.Result r = CliRunner.run(Map.of("PGPASSWORD", "pw-that-must-not-leak"),
                "status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/db", "--user", "someone");
        assertEquals(ExitCode.CONNECTION.code(), r.exitCode(), r.toString());
        assertTrue(r.err().contains("cannot connect to jdbc:postgresql://127.0.0.1:" + closedPort + "/db as someone (password from PGPASSWORD)"),
                r.toString());
        assertTrue(!r.err().contains("pw-that-must-not-leak") && !r.out().contains("pw-that-must-not-leak"));
    }
}

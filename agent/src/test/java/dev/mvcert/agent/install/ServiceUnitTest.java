package dev.mvcert.agent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mvcert.agent.run.GracefulShutdown;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** install/systemd/mvcert-agent.service is a valid unit whose stop timeout outlasts the agent's own shutdown. */
class ServiceUnitTest {

    @Test
    void systemdAnalyzeVerifiesTheUnitWithoutAnyComplaint() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze not found at /usr/bin (package systemd); the unit is not verified here");
        Process p = new ProcessBuilder(analyze.toString(), "verify", MonitoringFiles.root().resolve(MonitoringFiles.SERVICE).toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // verify exits 0 even for unknown keys or unparsable values, which it only prints: any output is a finding.
        assertEquals(0, p.waitFor(), output);
        assertEquals("", output.strip());
    }

    @Test
    void theStopTimeoutCoversTheShutdownGraceAndTheCancelWait() throws Exception {
        String unit = Files.readString(MonitoringFiles.root().resolve(MonitoringFiles.SERVICE));
        Matcher grace = Pattern.compile("(?m)^ExecStart=.* serve .*--shutdown-grace (\\d+)s").matcher(unit);
        assertTrue(grace.find(), "ExecStart runs serve with an explicit --shutdown-grace in seconds");
        Matcher stop = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)s$").matcher(unit);
        assertTrue(stop.find(), "TimeoutStopSec in seconds");
        Duration shutdown = Duration.ofSeconds(Long.parseLong(grace.group(1))).plus(GracefulShutdown.CANCEL_WAIT);
        Duration timeout = Duration.ofSeconds(Long.parseLong(stop.group(1)));
        assertTrue(timeout.compareTo(shutdown) > 0 && timeout.compareTo(shutdown.plusSeconds(60)) <= 0,
                "TimeoutStopSec " + timeout + " must exceed grace + cancel wait " + shutdown + " by a margin under a minute");
        for (String directive : List.of("User=mvcert", "EnvironmentFile=/etc/mvcert/agent.env", "Restart=on-failure",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "SuccessExitStatus=143")) {
            assertTrue(unit.contains("\n" + directive + "\n"), directive);
        }
        String env = Files.readString(MonitoringFiles.root().resolve("install/systemd/agent.env.example"));
        assertTrue(env.contains("\nPGPASSFILE=/etc/mvcert/pgpass\n") && !env.contains("PGPASSWORD"), "the password comes from PGPASSFILE");
    }
}

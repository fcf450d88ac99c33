package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mvcert.local.GenerationsLoad;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real clients, CI length (bench/ runs the same at full length): pgbench readers through the
 * guarded view while {@code mvcert serve} publishes generation after generation, one of them
 * poisoned, get only generations a certification passed, or an mvcert SQLSTATE; pgbench
 * writers at a fixed rate never fail or deadlock because of runs. Both print their figures
 * (reader TPS guarded vs unguarded, writer latency percentiles with and without runs).
 */
@ExtendWith(PostgresExtension.class)
class PgBenchLoadIT {

    private static GenerationsLoad load;

    @BeforeAll
    static void certifiedGenerations(TestDatabase db) {
        Path work = Path.of("target", "pgbench-load").toAbsolutePath();
        load = GenerationsLoad.prepare(db.cluster(), db.name(), PgBenchLoadIT::mvcert, work, 1000);
    }

    static Process mvcert(List<String> args, Path log) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.mvcert.agent.cli.Main"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void guardedReadersOnlyEverGetCertifiedGenerationsOrFailClosed() {
        GenerationsLoad.ReaderReport report = load.readers(Duration.ofSeconds(20), 8, Duration.ofSeconds(2));
        System.out.println(report.summary());
        assertEquals(List.of(), report.problems(), report.summary());
    }

    @Test
    void writersAtAFixedRateNeverFailOrDeadlockBecauseOfRuns() {
        GenerationsLoad.WriterReport report = load.writers(Duration.ofSeconds(10), 100, Duration.ofMillis(500));
        System.out.println(report.summary());
        assertEquals(List.of(), report.problems(), report.summary());
    }
}

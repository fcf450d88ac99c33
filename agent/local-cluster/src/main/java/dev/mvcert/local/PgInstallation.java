package dev.mvcert.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Where the installed PostgreSQL lives, and whether everything the tests need is there. */
record PgInstallation(Path bindir, Path pkglibdir, Path sharedir, String version) {

    static final String PREREQS_HINT = "run install/prereqs.sh";

    static PgInstallation detect() {
        LocalCluster.ProcessResult result;
        try {
            result = LocalCluster.run(List.of("pg_config", "--bindir", "--pkglibdir", "--sharedir", "--version"),
                    Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            throw new IllegalStateException("pg_config not found: PostgreSQL 15 and its server headers are not installed: "
                    + PREREQS_HINT, e);
        }
        String[] lines = result.output().strip().split("\n");
        if (result.exitCode() != 0 || lines.length < 4) {
            throw new IllegalStateException("pg_config failed: " + result.output() + "\n" + PREREQS_HINT);
        }
        PgInstallation pg = new PgInstallation(Path.of(lines[0].strip()), Path.of(lines[1].strip()),
                Path.of(lines[2].strip()), lines[3].strip());
        if (!pg.version().startsWith("PostgreSQL 15")) {
            throw new IllegalStateException("mvcert needs PostgreSQL 15, pg_config reports " + pg.version()
                    + ": " + PREREQS_HINT);
        }
        if (!Files.isExecutable(pg.bindir().resolve("initdb")) || !Files.isExecutable(pg.bindir().resolve("pg_ctl"))) {
            throw new IllegalStateException("postgresql-15 is not installed (no initdb/pg_ctl in " + pg.bindir() + "): "
                    + PREREQS_HINT);
        }
        if (!Files.exists(pg.pkglibdir().resolve("pg_cron.so"))) {
            throw new IllegalStateException("postgresql-15-cron is not installed (no pg_cron.so in " + pg.pkglibdir()
                    + "): " + PREREQS_HINT);
        }
        return pg;
    }
}

package dev.mvcert.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds the extension script from sql/ and makes sure the copy PostgreSQL loads is the one just
 * built, so tests never run against a stale installed mvcert.
 */
final class ExtensionInstaller {

    private ExtensionInstaller() {}

    static void ensureInstalled(Path projectRoot, PgInstallation pg) {
        Path sql = projectRoot.resolve("sql");
        make(sql, "all");
        Path extensionDir = pg.sharedir().resolve("extension");
        try (Stream<Path> updates = listIfPresent(sql.resolve("updates"));
             Stream<Path> versions = listIfPresent(sql.resolve("versions"))) {
            List<Path> files = Stream.of(
                            Stream.of(sql.resolve("mvcert.control"), sql.resolve("mvcert--" + defaultVersion(sql) + ".sql")),
                            updates.filter(f -> f.getFileName().toString().matches("mvcert--.*--.*\\.sql")),
                            versions.filter(f -> f.getFileName().toString().matches("mvcert--[^-]*\\.sql")))
                    .flatMap(s -> s).toList();
            boolean current = true;
            for (Path file : files) {
                Path installed = extensionDir.resolve(file.getFileName());
                current &= Files.exists(installed) && Files.mismatch(file, installed) == -1;
            }
            if (!current) {
                if (!Files.isWritable(extensionDir)) {
                    throw new IllegalStateException("the installed mvcert extension is missing or older than sql/; run "
                            + "`make -C sql install` as a user who can write " + extensionDir);
                }
                make(sql, "install");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern DEFAULT_VERSION = Pattern.compile("(?m)^default_version\\s*=\\s*'([^']+)'");

    /** default_version of sql/mvcert.control: the version whose script `make` builds. */
    static String defaultVersion(Path sqlDir) throws IOException {
        Matcher m = DEFAULT_VERSION.matcher(Files.readString(sqlDir.resolve("mvcert.control")));
        if (!m.find()) {
            throw new IllegalStateException("no default_version in " + sqlDir.resolve("mvcert.control"));
        }
        return m.group(1);
    }

    private static Stream<Path> listIfPresent(Path dir) throws IOException {
        return Files.isDirectory(dir) ? Files.list(dir) : Stream.empty();
    }

    private static void make(Path sqlDir, String goal) {
        LocalCluster.ProcessResult result = LocalCluster.run(List.of("make", "-s", "-C", sqlDir.toString(), goal),
                Duration.ofMinutes(2));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("`make -C sql " + goal + "` failed (is postgresql-server-dev-15 installed? "
                    + PgInstallation.PREREQS_HINT + "):\n" + result.output());
        }
    }
}

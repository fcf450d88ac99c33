package dev.mvcert.agent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent/bin/mvcert}, the README's way to run commands, as a user runs it: a separate
 * process started by the shell script. The jar it starts is built here from the agent's and
 * the engine's classes (a jar per classes directory, one jar whose manifest names them all),
 * since the tests run before Maven packages the real one. What is checked is what a user
 * sees: exit codes and output unchanged, no JVM messages on stdout, the class-data archive
 * written by the first command that connects, used from the next one on (the JVM's class
 * loading log says where each class came from), written again when the jar changes, and off
 * with MVCERT_CDS=off.
 */
@ExtendWith(PostgresExtension.class)
class LauncherIT {

    private static final String MAIN = "dev.mvcert.agent.cli.Main";
    private static final Path LAUNCHER = MonitoringFiles.root().resolve("agent/bin/mvcert");

    @TempDir
    static Path shared;
    private static Path libs;
    private static TestDatabase db;

    private Path dir;
    private Path jar;

    record Result(int exitCode, String out, String err) {}

    @BeforeAll
    static void jarsAndPipeline(TestDatabase database) throws IOException {
        db = database;
        SmallPipeline.create(db);
        libs = Files.createDirectories(shared.resolve("lib"));
        ToolProvider jarTool = ToolProvider.findFirst("jar").orElseThrow();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p) && !p.getFileName().toString().equals("test-classes")) {
                Path classesJar = libs.resolve("classes-" + (n++) + ".jar");
                StringWriter out = new StringWriter();
                int rc = jarTool.run(new PrintWriter(out), new PrintWriter(out), "--create", "--file", classesJar.toString(),
                        "-C", p.toString(), ".");
                assertEquals(0, rc, "jar of " + p + ": " + out);
            }
        }
    }

    /** Each test has a directory of its own with a fresh jar: no archive yet. */
    @BeforeEach
    void freshJar(@TempDir Path testDir) throws IOException {
        dir = testDir;
        jar = dir.resolve("mvcert.jar");
        List<String> classPath = new ArrayList<>();
        try (Stream<Path> built = Files.list(libs)) {
            built.sorted().forEach(p -> classPath.add(relative(p)));
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith(".jar")) {
                classPath.add(relative(Path.of(entry)));
            }
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, MAIN);
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // the manifest is the whole jar
        }
    }

    /** A Class-Path entry relative to the jar, as class-data archives require (they ignore absolute URLs). */
    private String relative(Path p) {
        return dir.toAbsolutePath().relativize(p.toAbsolutePath()).toString().replace(File.separatorChar, '/').replace(" ", "%20");
    }

    private Result launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("MVCERT_JAR", jar.toString());
        pb.environment().remove("MVCERT_CDS");
        pb.environment().remove("MVCERT_JAVA_OPTS");
        pb.environment().putAll(env);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "mvcert " + String.join(" ", args) + " did not end");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result status(Map<String, String> env) throws Exception {
        Result r = launch(env, "status", "--jdbc-url", db.jdbcUrl(), "-U", "postgres");
        assertEquals(0, r.exitCode(), "status failed:\n" + r.out() + r.err());
        assertTrue(r.out().contains(SmallPipeline.TARGET), "status names the target:\n" + r.out());
        assertFalse(r.out().contains("[warning]") || r.out().toLowerCase().contains("shared archive"),
                "no JVM message on stdout:\n" + r.out());
        // main() readies classes on a second thread while the command line is parsed: logging
        // must still start once, on one thread (SLF4J warns when it replays early events)
        assertFalse(r.err().contains("SLF4J"), "no SLF4J message:\n" + r.err());
        return r;
    }

    /** status with the JVM's class-loading log: where the main class came from. */
    private String mainClassSource() throws Exception {
        return mainClassSource(Map.of());
    }

    /** The same with more of the launcher's environment. */
    private String mainClassSource(Map<String, String> env) throws Exception {
        Path log = dir.resolve("classes.log");
        Files.deleteIfExists(log);
        Map<String, String> all = new HashMap<>(env);
        all.put("MVCERT_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        status(all);
        return Files.readAllLines(log).stream().filter(l -> l.contains(" " + MAIN + " source: "))
                .findFirst().orElseThrow(() -> new AssertionError("no load of " + MAIN + " in the class-loading log"));
    }

    private List<String> archives() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mvcert.jsa")).sorted().toList();
        }
    }

    @Test
    void theFirstCommandThatConnectsWritesTheArchiveAndTheNextUsesIt() throws Exception {
        Result version = launch(Map.of(), "--version");
        assertEquals(0, version.exitCode(), version.err());
        assertTrue(version.out().startsWith("mvcert "), version.out());
        assertEquals(List.of(), archives(), "--version writes no archive: it loads too little of the agent");

        status(Map.of());
        List<String> written = archives();
        assertEquals(1, written.size(), "one archive written at exit, under the writer's name: " + written);
        assertTrue(written.get(0).matches("mvcert\\.jsa\\.\\d+\\.tmp"), written.toString());

        String source = mainClassSource();
        assertEquals(List.of("mvcert.jsa"), archives(), "the written archive became the archive");
        assertTrue(source.contains("shared objects file (top)"), "the main class came from the archive: " + source);
    }

    @Test
    void aChangedJarIsArchivedAgain() throws Exception {
        status(Map.of());
        assertTrue(mainClassSource().contains("shared objects file (top)"));
        // a jar built after the archive was written
        Files.setLastModifiedTime(dir.resolve("mvcert.jsa"), FileTime.from(Instant.now().minusSeconds(3600)));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));

        String stale = mainClassSource();
        assertFalse(stale.contains("shared objects file"), "an archive of another jar is not used: " + stale);
        assertTrue(archives().stream().anyMatch(n -> n.endsWith(".tmp")), "a new archive was written: " + archives());
        assertTrue(mainClassSource().contains("shared objects file (top)"), "the new archive is used");
        assertEquals(List.of("mvcert.jsa"), archives());
    }

    @Test
    void mvcertCdsOffStartsWithoutArchive() throws Exception {
        String source = mainClassSource(Map.of("MVCERT_CDS", "off"));
        assertFalse(source.contains("shared objects file"), source);
        assertEquals(List.of(), archives());
    }

    @Test
    void aDamagedArchiveIsDiscardedNotUsed() throws Exception {
        // what a writer killed halfway leaves: its process is gone, the file is not an archive
        Files.write(dir.resolve("mvcert.jsa.999999999.tmp"), new byte[4096]);
        String source = mainClassSource();
        assertFalse(source.contains("shared objects file (top)"), source);
        assertFalse(archives().contains("mvcert.jsa.999999999.tmp"), "the damaged file is gone: " + archives());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hs_err")).toList(),
                    "checking the file left no JVM crash report");
        }
    }

    @Test
    void aMissingJarIsAClearError() throws Exception {
        Files.delete(jar);
        Result r = launch(Map.of(), "status");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("no agent jar at " + jar), r.err());
    }
}

package dev.mvcert.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster started from the installed binaries (initdb + pg_ctl), for the
 * test suite and the demo: free port, data in a work directory (the tests use {@code target/}),
 * a short Unix socket directory under /tmp, pg_cron preloaded, the mvcert extension built from
 * {@code sql/} and installed. It is stopped by {@link #close()}, by a JVM shutdown hook (failed
 * or interrupted runs), and, should the JVM have been killed outright, by the next start in the
 * same work directory, which stops clusters left behind there.
 *
 * <p>PostgreSQL refuses to run as root; when run as root the server commands run as the
 * {@code postgres} user through {@code runuser}.
 *
 * <p>By default the cluster trades durability for speed ({@link Durability#THROWAWAY}); crash
 * tests ask for {@link Durability#PRODUCTION}, the settings a production server runs with.
 */
public final class LocalCluster implements AutoCloseable {

    private static final String CLUSTER_DIR_PREFIX = "pgcluster-";
    private static final String STANDBY_DIR_PREFIX = "pgstandby-";
    private static final String SERVER_USER = "postgres";
    /** The database where pg_cron keeps its jobs (cron.database_name); it has mvcert too. */
    public static final String CRON_DATABASE = "mvcert_cron";

    /** What a commit promises on this cluster. */
    public enum Durability {
        /** fsync, synchronous_commit and full_page_writes off: fast, and a crash may lose acknowledged commits. */
        THROWAWAY("off"),
        /** fsync, synchronous_commit and full_page_writes on: an acknowledged commit survives a crash. */
        PRODUCTION("on");

        private final String setting;

        Durability(String setting) {
            this.setting = setting;
        }
    }

    private final Path projectRoot;
    private final Path bindir;
    private final Path dataDir;
    private final Path socketDir;
    private final int port;
    private final boolean runAsServerUser;
    private final Durability durability;
    private final AtomicInteger databaseCounter = new AtomicInteger();
    private volatile boolean running;
    private final Thread shutdownHook = new Thread(this::stopQuietly, "pgcluster-stop");

    private LocalCluster(Path projectRoot, Path bindir, Path dataDir, Path socketDir, int port, boolean runAsServerUser,
                         Durability durability) {
        this.projectRoot = projectRoot;
        this.bindir = bindir;
        this.dataDir = dataDir;
        this.socketDir = socketDir;
        this.port = port;
        this.runAsServerUser = runAsServerUser;
        this.durability = durability;
    }

    /** Starts a new cluster with its data in {@code workDir}, for the mvcert checkout at or above it. */
    public static LocalCluster start(Path workDir) {
        return start(workDir, Durability.THROWAWAY);
    }

    /** Starts a new cluster with the given durability, data in {@code workDir}, for the mvcert checkout at or above it. */
    public static LocalCluster start(Path workDir, Durability durability) {
        return start(workDir, findProjectRoot(workDir.toAbsolutePath()), durability);
    }

    /** Starts a new cluster with its data in {@code targetDir}, installing mvcert from {@code projectRoot}. */
    public static LocalCluster start(Path targetDir, Path projectRoot) {
        return start(targetDir, projectRoot, Durability.THROWAWAY);
    }

    /**
     * Starts a new cluster with its data in {@code targetDir}, installing mvcert from {@code projectRoot}.
     * One process may run one cluster of each durability at once.
     */
    public static LocalCluster start(Path targetDir, Path projectRoot, Durability durability) {
        PgInstallation pg = PgInstallation.detect();
        boolean asServerUser = "root".equals(System.getProperty("user.name"));
        stopLeftovers(targetDir, pg.bindir(), asServerUser);
        try {
            Files.createDirectories(targetDir);
            Path dataDir = targetDir.toAbsolutePath().resolve(CLUSTER_DIR_PREFIX + ProcessHandle.current().pid()
                    + (durability == Durability.THROWAWAY ? "" : "-" + durability.name().toLowerCase()));
            deleteRecursively(dataDir);
            Files.createDirectories(dataDir);
            Path socketDir = Files.createTempDirectory(Path.of("/tmp"), "mvcert-");
            if (asServerUser) {
                makeReachable(targetDir.toAbsolutePath());
                run(List.of("chown", SERVER_USER + ":", dataDir.toString(), socketDir.toString()), Duration.ofSeconds(10));
            }
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
            LocalCluster cluster = new LocalCluster(projectRoot, pg.bindir(), dataDir, socketDir, freePort(), asServerUser, durability);
            cluster.initdb();
            cluster.withCheckoutExtension(cluster::startAndPrepare);
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void initdb() throws IOException {
        serverCommand(Duration.ofMinutes(2), bindir.resolve("initdb").toString(), "-D", dataDir.toString(),
                "-U", SERVER_USER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions");
        String conf = String.join("\n",
                "",
                "# mvcert throwaway cluster",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + socketDir + "'",
                "shared_preload_libraries = 'pg_cron,pg_stat_statements'",
                "cron.database_name = '" + CRON_DATABASE + "'",
                "max_connections = 200",
                "fsync = " + durability.setting,
                "synchronous_commit = " + durability.setting,
                "full_page_writes = " + durability.setting,
                "compute_query_id = on",
                "wal_level = replica",
                "max_wal_senders = 5",
                "hot_standby = on",
                "log_min_messages = warning",
                "log_line_prefix = '%m [%p] %d '",
                "");
        // Where PL/Java is installed, it starts the JVM the tests run on (no effect otherwise).
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        if (Files.isRegularFile(libjvm)) {
            conf += "pljava.libjvm_location = '" + libjvm + "'\n";
        }
        Path confFile = dataDir.resolve("postgresql.conf");
        Files.writeString(confFile, Files.readString(confFile) + conf, StandardCharsets.UTF_8);
    }

    private void startAndPrepare() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        startServer();
        running = true;
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE mvcert_template");
        } catch (SQLException e) {
            throw new IllegalStateException("local cluster started but could not be prepared: " + e.getMessage()
                    + "\nserver log: " + dataDir.resolve("server.log"), e);
        }
        try (Connection c = connect("mvcert_template"); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION mvcert");
        } catch (SQLException e) {
            throw new IllegalStateException("CREATE EXTENSION mvcert failed in the local cluster: " + e.getMessage(), e);
        }
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + CRON_DATABASE + " TEMPLATE mvcert_template");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create " + CRON_DATABASE + ": " + e.getMessage(), e);
        }
        try (Connection c = connect(CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION pg_cron");
        } catch (SQLException e) {
            throw new IllegalStateException("CREATE EXTENSION pg_cron failed: " + e.getMessage()
                    + " (is shared_preload_libraries = 'pg_cron' in effect?)", e);
        }
    }

    /** Work that reads PostgreSQL's extension directory (CREATE EXTENSION, ALTER EXTENSION ... UPDATE). */
    @FunctionalInterface
    public interface ExtensionWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} with this checkout's mvcert files installed. Several checkouts on one
     * machine share PostgreSQL's extension directory: installing and using the files under one
     * machine-wide lock gives each the extension it was built from.
     */
    public void withCheckoutExtension(ExtensionWork work) {
        try (FileChannel lockFile = FileChannel.open(Path.of("/tmp/mvcert-extension-install.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            ExtensionInstaller.ensureInstalled(projectRoot, PgInstallation.detect());
            work.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")", e);
        }
    }

    /** A new database made from a template that already has {@code CREATE EXTENSION mvcert}. */
    public String createDatabase(String hint) {
        String name = "t" + databaseCounter.incrementAndGet() + "_" + hint.toLowerCase().replaceAll("[^a-z0-9]+", "_");
        if (name.length() > 60) {
            name = name.substring(0, 60);
        }
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\" TEMPLATE mvcert_template");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    /** A superuser connection (autocommit) to the named database. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), SERVER_USER, "");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() { return port; }
    public Path socketDir() { return socketDir; }
    public Path dataDir() { return dataDir; }
    public Path bindir() { return bindir; }
    public Path projectRoot() { return projectRoot; }
    public String superuser() { return SERVER_USER; }
    public Durability durability() { return durability; }
    public Path serverLog() { return dataDir.resolve("server.log"); }

    /** Where the server log ends now: pass it to {@link #serverLogSince} to read what is logged after. */
    public long serverLogSize() {
        try {
            return Files.size(serverLog());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the server logged from {@code offset} (a {@link #serverLogSize}) on. */
    public String serverLogSince(long offset) {
        try (RandomAccessFile file = new RandomAccessFile(serverLog().toFile(), "r")) {
            byte[] bytes = new byte[(int) Math.max(0, file.length() - offset)];
            file.seek(offset);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a server binary (psql, pg_ctl, pg_basebackup, ...) as the server's OS user. */
    public ProcessResult serverCommand(Duration timeout, String... command) {
        List<String> full = new ArrayList<>();
        if (runAsServerUser) {
            full.addAll(List.of("runuser", "-u", SERVER_USER, "--"));
        }
        full.addAll(List.of(command));
        ProcessResult result = run(full, timeout);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("command failed (exit " + result.exitCode() + "): "
                    + String.join(" ", command) + "\n" + result.output());
        }
        return result;
    }

    /** Restarts the server: mode is "fast" or "immediate" (crash-like). */
    public void restart(String mode) {
        serverCommand(Duration.ofMinutes(2), bindir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                "-m", mode, "-w", "-t", "90", "stop");
        startServer();
    }

    /**
     * Kills the postmaster with SIGKILL, as a crash or the OOM killer would, and waits until
     * its children have noticed and exited (they still hold the shared memory a new postmaster
     * needs). The server stays down until {@link #recover()}.
     */
    public void killPostmaster() {
        long pid = postmasterPid();
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() ->
                new IllegalStateException("postmaster " + pid + " of " + dataDir + " is not running"));
        List<ProcessHandle> children = postmaster.children().toList();
        if (!postmaster.destroyForcibly()) {
            throw new IllegalStateException("could not send SIGKILL to postmaster " + pid);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (postmaster.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("children of the killed postmaster " + pid + " still running after 60 s: "
                        + children.stream().filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                                .toList());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the killed postmaster's children", e);
            }
        }
    }

    /** Starts the server again after {@link #killPostmaster()}: PostgreSQL runs crash recovery first. */
    public void recover() {
        startServer();
    }

    /** The pid in postmaster.pid's first line. */
    public long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no postmaster.pid in " + dataDir + ": is the server running?", e);
        }
    }

    private void startServer() {
        serverCommand(Duration.ofMinutes(2), bindir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                "-l", dataDir.resolve("server.log").toString(), "-w", "-t", "90", "start");
    }

    /**
     * Starts a hot standby of this cluster (pg_basebackup -R, streaming replication) with its
     * data under {@code workDir} and its own port and socket directory. Close it to stop it and
     * delete its data; a JVM shutdown hook stops it too.
     */
    public Standby startStandby(Path workDir) {
        try {
            Path dir = workDir.toAbsolutePath().resolve(STANDBY_DIR_PREFIX + ProcessHandle.current().pid() + "-" + port);
            deleteRecursively(dir);
            Files.createDirectories(dir);
            Path standbySocketDir = Files.createTempDirectory(Path.of("/tmp"), "mvcert-sb-");
            if (runAsServerUser) {
                makeReachable(workDir.toAbsolutePath());
                run(List.of("chown", SERVER_USER + ":", dir.toString(), standbySocketDir.toString()), Duration.ofSeconds(10));
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            serverCommand(Duration.ofMinutes(2), bindir.resolve("pg_basebackup").toString(), "-h", "127.0.0.1",
                    "-p", String.valueOf(port), "-U", SERVER_USER, "-D", dir.toString(), "-R", "-X", "stream",
                    "-c", "fast", "--no-sync");
            // the primary's log came along in the copy; the standby writes its own
            Files.deleteIfExists(dir.resolve("server.log"));
            Standby standby = new Standby(dir, standbySocketDir, freePort());
            standby.start();
            return standby;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A hot standby of the cluster, streaming from it. */
    public final class Standby implements AutoCloseable {
        private final Path dataDir;
        private final Path socketDir;
        private final int port;
        private volatile boolean running;
        private final Thread shutdownHook = new Thread(this::stopQuietly, "pgstandby-stop");

        private Standby(Path dataDir, Path socketDir, int port) {
            this.dataDir = dataDir;
            this.socketDir = socketDir;
            this.port = port;
        }

        private void start() {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            running = true;
            serverCommand(Duration.ofMinutes(2), bindir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-l", dataDir.resolve("server.log").toString(),
                    "-o", "-p " + port + " -c unix_socket_directories=" + socketDir, "-w", "-t", "90", "start");
        }

        public int port() { return port; }

        /** A superuser connection (autocommit, read-only: it is a standby) to the named database. */
        public Connection connect(String database) throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, SERVER_USER, "");
        }

        /** Waits until the standby has replayed everything the primary has written so far; returns how long that took. */
        public Duration catchUp(Duration timeout) {
            long start = System.nanoTime();
            try {
                String target = flushedMarker();
                try (Connection standby = connect("postgres");
                     PreparedStatement replayed = standby.prepareStatement(
                             "SELECT pg_catalog.pg_last_wal_replay_lsn() > ?::pg_lsn")) {
                    replayed.setString(1, target);
                    while (true) {
                        try (ResultSet rs = replayed.executeQuery()) {
                            rs.next();
                            if (rs.getBoolean(1)) {
                                return Duration.ofNanos(System.nanoTime() - start);
                            }
                        }
                        if (System.nanoTime() - start > timeout.toNanos()) {
                            throw new IllegalStateException("standby did not replay up to " + target + " within " + timeout);
                        }
                        Thread.sleep(20);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("waiting for the standby: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the standby", e);
            }
        }

        /**
         * Writes a WAL record on the primary and commits it with a flush; returns its position.
         * A throwaway cluster runs with synchronous_commit off, so earlier commits may sit unflushed (and
         * unsent) for seconds, and the insert position may point past a page header that no
         * record ends in.
         */
        private String flushedMarker() throws SQLException {
            try (Connection primary = LocalCluster.this.connect("postgres"); Statement p = primary.createStatement()) {
                p.execute("SET synchronous_commit = on");
                try (ResultSet lsn = p.executeQuery("SELECT pg_catalog.pg_logical_emit_message(true, 'mvcert', 'catch-up')::text")) {
                    lsn.next();
                    return lsn.getString(1);
                }
            }
        }

        @Override
        public void close() {
            stopQuietly();
            forgetShutdownHook(shutdownHook);
        }

        private synchronized void stopQuietly() {
            if (!running) {
                return;
            }
            running = false;
            stopServer(dataDir, "immediate", "standby");
            try {
                deleteRecursively(dataDir);
                deleteRecursively(socketDir);
            } catch (IOException ignored) {
                // leftovers under target/ and /tmp are harmless
            }
        }
    }

    @Override
    public void close() {
        stopQuietly();
        forgetShutdownHook(shutdownHook);
    }

    /** After an orderly stop the JVM shutdown hook has nothing left to do. */
    private static void forgetShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stopQuietly() {
        if (!running) {
            return;
        }
        running = false;
        stopServer(dataDir, "fast", "local cluster");
        try {
            deleteRecursively(socketDir);
        } catch (IOException ignored) {
            // a leftover empty directory in /tmp is harmless
        }
    }

    /** pg_ctl stop in the given mode; a failure is reported, not thrown (this runs on shutdown paths). */
    private void stopServer(Path serverDataDir, String mode, String what) {
        try {
            serverCommand(Duration.ofMinutes(1), bindir.resolve("pg_ctl").toString(), "-D", serverDataDir.toString(),
                    "-m", mode, "-w", "-t", "60", "stop");
        } catch (RuntimeException e) {
            System.err.println("mvcert " + what + ": stop failed: " + e.getMessage());
        }
    }

    private static void stopLeftovers(Path targetDir, Path bindir, boolean asServerUser) {
        if (!Files.isDirectory(targetDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(targetDir)) {
            for (Path dir : dirs.filter(d -> isClusterDir(d) && !ownedByThisProcess(d)).toList()) {
                if (Files.exists(dir.resolve("postmaster.pid"))) {
                    List<String> stop = new ArrayList<>();
                    if (asServerUser) {
                        stop.addAll(List.of("runuser", "-u", SERVER_USER, "--"));
                    }
                    stop.addAll(List.of(bindir.resolve("pg_ctl").toString(), "-D", dir.toString(), "-m", "immediate", "-w", "stop"));
                    run(stop, Duration.ofSeconds(60));
                }
                deleteRecursively(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isClusterDir(Path dir) {
        String name = dir.getFileName().toString();
        return name.startsWith(CLUSTER_DIR_PREFIX) || name.startsWith(STANDBY_DIR_PREFIX);
    }

    /** pgcluster-PID, pgcluster-PID-production, pgstandby-PID-PORT: this process may run several at once. */
    private static boolean ownedByThisProcess(Path dir) {
        String name = dir.getFileName().toString();
        String pid = Long.toString(ProcessHandle.current().pid());
        for (String prefix : List.of(CLUSTER_DIR_PREFIX, STANDBY_DIR_PREFIX)) {
            if (name.equals(prefix + pid) || name.startsWith(prefix + pid + "-")) {
                return true;
            }
        }
        return false;
    }

    /** The server user must be able to traverse down to target/ (it is created by whoever runs Maven). */
    private static void makeReachable(Path dir) {
        for (Path p = dir; p != null && p.getParent() != null; p = p.getParent()) {
            if (p.toFile().canExecute()) {
                run(List.of("chmod", "o+x", p.toString()), Duration.ofSeconds(10));
            }
        }
    }

    /** The mvcert checkout (the directory holding sql/mvcert.control) at or above {@code start}. */
    public static Path findProjectRoot(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("sql/mvcert.control"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the mvcert project root (sql/mvcert.control) above " + start);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    public static ProcessResult run(List<String> command, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            // Read output on this thread; waitFor with timeout guards against a hung child.
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process went away
                }
            });
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("command timed out after " + timeout + ": " + String.join(" ", command));
            }
            reader.join(5000);
            return new ProcessResult(process.exitValue(), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Exit code and combined output of a finished command. */
    public record ProcessResult(int exitCode, String output) {}
}

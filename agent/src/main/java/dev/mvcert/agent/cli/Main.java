package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.db.ConnectionFailure;
import dev.mvcert.agent.db.LostConnection;
import dev.mvcert.agent.logging.LogFormat;
import dev.mvcert.agent.logging.LostConnectionTrail;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code mvcert} command line. {@link #run} is the whole program: tests call it in-process;
 * {@link #main} only adds {@code System.exit}. Exceptions become exit codes here and nowhere else.
 */
@Command(name = "mvcert", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Certified materialized-view refresh for PostgreSQL: refresh a target's views in dependency order, "
                + "certify the result, and serve the queue that pg_cron fills.",
        exitCodeListHeading = "%nExit codes:%n")
public final class Main implements Runnable {

    /** The commands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, RunCommand.class, PlanCommand.class,
            CertifyCommand.class, BaselineCommand.class, StatusCommand.class, ReportCommand.class, ScheduleCommand.class,
            DemoCommand.class, CommandLine.HelpCommand.class);

    @Spec
    CommandSpec spec;

    public static void main(String... args) {
        Thread warmUp = new Thread(Main::warmUp, "mvcert-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Classes every command that connects needs anyway, loaded on a second core while the main
     * thread builds and parses the command line: Logback's, the JDBC driver's and the pool's.
     * Loaded, not initialised: initialising them would start SLF4J on this thread while the
     * main thread asks it for loggers, and SLF4J answers a logger asked for during its
     * initialisation with a stand-in whose events it replays with a warning. Loading a class
     * on two threads at once is safe: the class loader serialises it.
     *
     * <p>One class is initialised: the pool's stand-in for a returned connection, a dynamic proxy
     * the JVM generates (and the class-data archive cannot hold) when the first connection goes
     * back to the pool, which took 7-16 ms on the main thread between a run's first two
     * statements. It logs nothing.
     */
    private static void warmUp() {
        ClassLoader loader = Main.class.getClassLoader();
        try {
            for (String name : new String[] {"ch.qos.logback.classic.LoggerContext", "ch.qos.logback.classic.PatternLayout",
                    "ch.qos.logback.core.ConsoleAppender", "org.postgresql.Driver", "org.postgresql.jdbc.PgConnection",
                    "org.postgresql.jdbc.PgPreparedStatement", "org.postgresql.core.v3.ConnectionFactoryImpl",
                    "org.postgresql.core.v3.QueryExecutorImpl", "com.zaxxer.hikari.HikariDataSource", "com.zaxxer.hikari.pool.HikariPool"}) {
                Class.forName(name, false, loader);
            }
            Class.forName("com.zaxxer.hikari.pool.ProxyConnection$ClosedConnection", true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            // only a head start: the command loads what it needs itself, and reports any failure
        }
    }

    /** Runs one command with the process environment; returns its exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return run(out, err, System.getenv(), Path.of(System.getProperty("user.home")), args);
    }

    /** Runs one command with the given environment (libpq variables, MVCERT_LOG_FORMAT) and home directory. */
    public static int run(PrintStream out, PrintStream err, Map<String, String> env, Path home, String... args) {
        LostConnectionTrail.forget();
        CliContext context = new CliContext(out, err, env, home);
        ContextFactory factory = new ContextFactory(context);
        CommandLine cli = new CommandLine(new Main(), factory);
        addCommands(cli, factory, args);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExitCodeExceptionMapper(Main::exitCodeOf);
        addExitCodeHelp(cli);
        cli.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("mvcert: " + ex.getMessage());
            w.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCode.USAGE.code();
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            ExitCode code = exitCodeFor(ex);
            Optional<LostConnection> lost = code == ExitCode.CONNECTION_LOST
                    ? Optional.of(LostConnection.of(ex).orElse(new LostConnection(describe(ex), null, false))) : Optional.empty();
            commandLine.getErr().println("mvcert: " + (lost.isPresent() ? LostConnectionReport.line(lost.get(), commandLine) : describe(ex)));
            if (code == ExitCode.INTERNAL_ERROR) {
                LoggerFactory.getLogger(Main.class).error("unexpected error", ex);
            } else if (lost.isPresent() && LogFormat.verbose()) {
                LoggerFactory.getLogger(Main.class).debug("the connection was lost here", ex);
            }
            return code.code();
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required (serve, run, plan, certify, baseline, status, report, schedule, demo)");
    }

    /** The one place where failures become exit codes. */
    static ExitCode exitCodeFor(Throwable e) {
        if (e instanceof ConfigurationException || e instanceof ParameterException) {
            return ExitCode.USAGE;
        }
        if (e instanceof ConnectionFailure failure) {
            return failure.afterConnecting() ? ExitCode.CONNECTION_LOST : ExitCode.CONNECTION;
        }
        if (e instanceof RunCancelledException) {
            return ExitCode.CANCELLED;
        }
        if (e instanceof Error) {
            return ExitCode.INTERNAL_ERROR;
        }
        if (LostConnection.of(e).isPresent()) {
            // connected once (a command's first connection failing is a ConnectionFailure): it went away mid-command
            return ExitCode.CONNECTION_LOST;
        }
        if (e instanceof SQLException sql) {
            return ConnectionFailure.isConnectionProblem(sql) ? ExitCode.CONNECTION : ExitCode.DATABASE_ERROR;
        }
        if (e.getCause() instanceof SQLException sql) {
            return ConnectionFailure.isConnectionProblem(sql) ? ExitCode.CONNECTION : ExitCode.DATABASE_ERROR;
        }
        return ExitCode.INTERNAL_ERROR;
    }

    private static int exitCodeOf(Throwable e) {
        return exitCodeFor(e).code();
    }

    /** The message a user sees: for database errors the server's message, hint and SQLSTATE. */
    static String describe(Throwable e) {
        if (e instanceof ConnectionFailure || e instanceof ConfigurationException) {
            return e.getMessage();
        }
        Throwable sql = e instanceof SQLException ? e : e.getCause() instanceof SQLException ? e.getCause() : null;
        if (sql instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            // mvcert's own SQL errors start with "mvcert: ", like this line does
            StringBuilder b = new StringBuilder(m.getMessage().replaceFirst("^mvcert: ", ""));
            if (m.getDetail() != null) {
                b.append("\n  detail: ").append(m.getDetail());
            }
            if (m.getHint() != null) {
                b.append("\n  hint: ").append(m.getHint());
            }
            return b.append("\n  (SQLSTATE ").append(m.getSQLState()).append(')').toString();
        }
        if (sql != null) {
            return sql.getMessage() + " (SQLSTATE " + ((SQLException) sql).getSQLState() + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The command named first, or all of them when the first argument names none (help, a top-level
     * option, a typo: whatever picocli then prints lists every command). Building a command's
     * model costs picocli reflection over its options, which a command that lives seconds should
     * not pay for nine others.
     */
    private static void addCommands(CommandLine cli, IFactory factory, String... args) {
        String first = args.length == 0 ? "" : args[0];
        List<Class<?>> named = COMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first)).toList();
        for (Class<?> command : named.isEmpty() ? COMMANDS : named) {
            try {
                cli.addSubcommand(factory.create(command));
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the command " + command.getSimpleName(), e);
            }
        }
    }

    private static void addExitCodeHelp(CommandLine cli) {
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.helpList());
        for (CommandLine sub : cli.getSubcommands().values()) {
            addExitCodeHelp(sub);
        }
    }

    /** Gives every command the streams and environment of this invocation. */
    private record ContextFactory(CliContext context) implements IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            K instance = CommandLine.defaultFactory().create(type);
            if (instance instanceof AgentCommand command) {
                command.context = context;
            }
            return instance;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mvcert " + version()};
        }
    }

    /** The version in the jar's manifest, or "dev" when run from classes. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

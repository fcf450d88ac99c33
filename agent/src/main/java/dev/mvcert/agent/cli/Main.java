package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.ConfigurationException;
import dev.mvcert.agent.db.ConnectionFailure;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
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
        subcommands = {ServeCommand.class, RunCommand.class, PlanCommand.class, CertifyCommand.class, BaselineCommand.class,
                StatusCommand.class, ReportCommand.class, ScheduleCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n")
public final class Main implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Spec
    CommandSpec spec;

    public static void main(String... args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command with the process environment; returns its exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return run(out, err, System.getenv(), Path.of(System.getProperty("user.home")), args);
    }

    /** Runs one command with the given environment (libpq variables, MVCERT_LOG_FORMAT) and home directory. */
    public static int run(PrintStream out, PrintStream err, Map<String, String> env, Path home, String... args) {
        CliContext context = new CliContext(out, err, env, home);
        CommandLine cli = new CommandLine(new Main(), new ContextFactory(context));
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
            commandLine.getErr().println("mvcert: " + describe(ex));
            if (code == ExitCode.INTERNAL_ERROR) {
                log.error("unexpected error", ex);
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
        if (e instanceof ConnectionFailure) {
            return ExitCode.CONNECTION;
        }
        if (e instanceof RunCancelledException) {
            return ExitCode.CANCELLED;
        }
        if (e instanceof SQLException sql) {
            return ConnectionFailure.isConnectionProblem(sql) ? ExitCode.CONNECTION : ExitCode.DATABASE_ERROR;
        }
        if (e.getCause() instanceof SQLException sql && !(e instanceof Error)) {
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

package dev.mvcert.agent.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command has: the connection and the log layout. */
final class CommonOptions {

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "JDBC URL, e.g. jdbc:postgresql://db:5432/app. Default: the libpq environment "
                    + "(PGHOST, PGPORT, PGDATABASE, PGUSER; password from PGPASSWORD, PGPASSFILE or ~/.pgpass).")
    String jdbcUrl;

    @Option(names = {"-U", "--user"}, paramLabel = "NAME", description = "Database user (default: PGUSER, else the OS user).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "File whose first line is the password (never pass a password on the command line).")
    Path passwordFile;

    @Option(names = "--log-format", paramLabel = "text|json",
            description = "Log layout on stderr: text (default) or json (one object per line). Env: MVCERT_LOG_FORMAT.")
    String logFormat;

    @Option(names = {"-v", "--verbose"},
            description = "Debug logs on stderr, with the connection pool's own messages and the stack traces of lost connections.")
    boolean verbose;
}

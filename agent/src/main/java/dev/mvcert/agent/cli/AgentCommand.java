package dev.mvcert.agent.cli;

import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.agent.db.Database;
import dev.mvcert.agent.logging.LogFormat;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the common options, the context, connecting. */
abstract class AgentCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    CliContext context;

    @Override
    public final Integer call() throws Exception {
        LogFormat.choose(common.logFormat, context.env().get(LogFormat.ENVIRONMENT)).apply(common.verbose);
        return execute().code();
    }

    abstract ExitCode execute() throws Exception;

    ConnectionSettings connectionSettings() {
        ConnectionSettings settings = ConnectionSettings.resolve(common.jdbcUrl, common.user, common.passwordFile,
                context.env(), context.home());
        settings.warnings().forEach(w -> log.warn("{}", w));
        log.debug("connecting to {}", settings);
        return settings;
    }

    Database openDatabase(int workConnections) {
        return Database.open(connectionSettings(), workConnections, "mvcert " + spec.qualifiedName().replace("mvcert ", ""));
    }
}

package dev.mvcert.hardening;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.testing.CommitPerStep;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Properties;

/**
 * A stand-in executor process for the fault tests: runs one engine run of a target the way
 * the agent does (work connection in a transaction, history through a second connection,
 * lease, certification) so that a test can kill -9 it at a chosen moment.
 * Arguments: jdbc-url user target incremental|atomic lease-seconds.
 */
public final class EngineProcess {

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        // what an agent should set: a backend notices a dead client during a long REFRESH
        props.setProperty("options", "-c client_connection_check_interval=300");
        try (Connection work = DriverManager.getConnection(args[0], props);
             Connection history = DriverManager.getConnection(args[0], props)) {
            work.setAutoCommit(false);
            RunMode mode = RunMode.fromSql(args[3]);
            RunRequest request = RunRequest.of(args[2]).withMode(mode).withForce(true)
                    .withExecutor("engine-process:" + ProcessHandle.current().pid())
                    .withLease(Duration.ofSeconds(Long.parseLong(args[4])));
            RunResult result;
            if (mode == RunMode.ATOMIC) {
                result = new Mvcert(work).withHistory(history).run(request);
                if (result.publish()) {
                    work.commit();
                } else {
                    work.rollback();
                }
            } else {
                result = Mvcert.runs(new CommitPerStep(work, history)).run(request);
            }
            System.out.println("run " + result.runId() + " " + result.outcome().sqlName());
        }
    }
}

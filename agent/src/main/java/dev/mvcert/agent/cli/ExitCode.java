package dev.mvcert.agent.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The documented exit codes of every mvcert command (also printed by --help). */
public enum ExitCode {
    OK(0, "Success; for run and certify: the target is certified."),
    INTERNAL_ERROR(1, "Unexpected internal error (a bug: report it with the log)."),
    USAGE(2, "Invalid command line or configuration."),
    CONNECTION(3, "Cannot connect to the database."),
    REFRESH_FAILED(4, "A refresh step failed (its view keeps the previous snapshot)."),
    NOT_CERTIFIED(5, "Refresh succeeded but certification failed."),
    SKIPPED(6, "Run skipped: required feed failed, breaker open, or the target is running elsewhere."),
    DATABASE_ERROR(7, "The database refused the request (unknown target, missing privilege, ...)."),
    CANCELLED(8, "The run was cancelled (SIGTERM, SIGINT or shutdown grace period over)."),
    CONNECTION_LOST(9, "The database connection was lost mid-command (server crash or restart, network); "
            + "an interrupted run is marked abandoned after its lease.");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The list picocli prints under "Exit codes:" in --help. */
    static Map<String, String> helpList() {
        Map<String, String> list = new LinkedHashMap<>();
        for (ExitCode e : values()) {
            list.put(String.format("%2d", e.code), e.meaning);
        }
        return list;
    }
}

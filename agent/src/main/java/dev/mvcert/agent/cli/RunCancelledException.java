package dev.mvcert.agent.cli;

/** The run was stopped by a signal before it finished; how each step ended is in the history. */
public final class RunCancelledException extends RuntimeException {
    public RunCancelledException(String message) {
        super(message);
    }
}

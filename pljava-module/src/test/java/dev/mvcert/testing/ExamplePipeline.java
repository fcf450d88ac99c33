package dev.mvcert.testing;

/** The example pipelines under sql/examples, and how each one generates its synthetic data. */
public enum ExamplePipeline {
    /** Runbook 001: the survival/time-on-market feature store, T0 and legacy pipelines. */
    SURVIVAL("survival", "SELECT src.generate_data(?)"),
    /** Runbook 07: the three casework materialized views. */
    RUNBOOK07("runbook07", "SELECT casework.generate_data(?)");

    private final String directory;
    private final String generatorCall;

    ExamplePipeline(String directory, String generatorCall) {
        this.directory = directory;
        this.generatorCall = generatorCall;
    }

    public String directory() { return directory; }
    public String generatorCall() { return generatorCall; }
}

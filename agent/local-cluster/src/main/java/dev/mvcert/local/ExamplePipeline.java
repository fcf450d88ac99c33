package dev.mvcert.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

/** The example pipelines under sql/examples, and how each one generates its synthetic data. */
public enum ExamplePipeline {
    /** Runbook 001: the survival/time-on-market feature store, T0 and legacy pipelines. */
    SURVIVAL("survival", "SELECT src.generate_data(?)"),
    /** Runbook 07: the three casework materialized views. */
    RUNBOOK07("runbook07", "SELECT casework.generate_data(?)"),
    /** Rows that carry their ingestion batch (generation), with readers that report what they got: for the load tests. */
    GENERATIONS("generations", "SELECT gen.generate_data(?)");

    private final String directory;
    private final String generatorCall;

    ExamplePipeline(String directory, String generatorCall) {
        this.directory = directory;
        this.generatorCall = generatorCall;
    }

    /**
     * Loads the pipeline from {@code sql/examples/<directory>/} (every file in name order:
     * schemas, base tables, materialized views created WITH NO DATA), then fills the base
     * tables with synthetic data at the given scale. Runs in the connection's current
     * transaction mode.
     */
    public void load(Connection connection, Path projectRoot, int scale) throws SQLException {
        Path dir = projectRoot.resolve("sql/examples").resolve(directory);
        try (Stream<Path> files = Files.list(dir); Statement statement = connection.createStatement()) {
            for (Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
                statement.execute(Files.readString(file, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read example " + dir + ": " + e.getMessage(), e);
        }
        try (PreparedStatement generate = connection.prepareStatement(generatorCall)) {
            generate.setInt(1, scale);
            generate.execute();
        }
    }
}

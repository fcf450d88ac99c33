package dev.mvcert.engine.certify.baseline;

/**
 * One baseline entry: kind {@code definition} (object: a view, materialized view or
 * function of the closure; hash: its definition hash) or {@code dataset} (object: a day
 * YYYY-MM-DD; hash: sum of the row hashes of that day; rowCount: its rows).
 */
public record BaselineItem(String kind, String object, String hash, Long rowCount) {

    public static final String DEFINITION = "definition";
    public static final String DATASET = "dataset";
}

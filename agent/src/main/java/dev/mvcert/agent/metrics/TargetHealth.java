package dev.mvcert.agent.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of {@code audit.health}: whether a target is certified and fresh. {@code columns}
 * keeps every column of the row as text for the JSON body of /health.
 */
public record TargetHealth(String target, String status, boolean certified, boolean stale, boolean exportAllowed,
                           Double ageSeconds, Map<String, String> columns) {

    /** Failing or stale: a consumer must not read it, so /health answers 503. */
    public boolean unhealthy() {
        return !certified || stale;
    }

    /** The target's export_max_age in seconds, or null when the health row does not say. */
    public Double exportMaxAgeSeconds() {
        String seconds = columns.get("export_max_age_seconds");
        return seconds == null ? null : Double.valueOf(seconds);
    }

    public Map<String, Object> toJsonFields() {
        Map<String, Object> fields = new LinkedHashMap<>(columns);
        fields.put("target", target);
        fields.put("healthy", !unhealthy());
        return fields;
    }
}

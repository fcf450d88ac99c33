package dev.mvcert.engine.certify.baseline;

import dev.mvcert.engine.json.Json;
import dev.mvcert.engine.certify.Closure;
import dev.mvcert.engine.certify.ClosureObject;
import dev.mvcert.engine.certify.TargetRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Captures a baseline of a target (runbook 001 section 3.2): the definition hash of every
 * view, materialized view and function of its closure, and the dataset hash of each
 * configured historical day. The capture is recorded for review; only
 * {@code audit.accept_baseline} (see {@link #accept}) makes it the baseline.
 */
public final class BaselineCapture {

    private final Connection connection;

    public BaselineCapture(Connection connection) {
        this.connection = connection;
    }

    public CapturedBaseline capture(String target, String note) throws SQLException {
        TargetRules rules = TargetRules.load(connection, target);
        Closure closure = Closure.load(connection, rules.target());
        List<BaselineItem> items = new ArrayList<>();
        for (ClosureObject o : closure.objects()) {
            if (o.definitionHash() != null) {
                items.add(new BaselineItem(BaselineItem.DEFINITION, o.name(), o.definitionHash(), null));
            }
        }
        if (rules.dayColumn() != null) {
            items.addAll(DatasetHasher.hash(connection, rules.target(), rules.dayColumn(), rules.hashDays()));
        }
        List<Map<String, ?>> json = new ArrayList<>();
        for (BaselineItem item : items) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", item.kind());
            row.put("object", item.object());
            row.put("hash", item.hash());
            row.put("rows", item.rowCount());
            json.add(row);
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit._record_baseline_capture(?::regclass, ?, ?::jsonb)")) {
            ps.setString(1, rules.target());
            ps.setString(2, note);
            ps.setString(3, Json.write(json));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new CapturedBaseline(rs.getLong(1), rules.target(), items);
            }
        }
    }

    /** The reviewed step: makes a capture the baseline; returns how many entries changed. */
    public int accept(long captureId, String note) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit.accept_baseline(?, ?)")) {
            ps.setLong(1, captureId);
            ps.setString(2, note);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}

package dev.mvcert.engine.certify.baseline;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The reviewed baseline of a target (audit.baseline), as certification compares with it. */
public final class AcceptedBaseline {

    private final Map<String, BaselineItem> definitions;
    private final Map<String, BaselineItem> datasets;
    private final Long captureId;
    private final String acceptedAt;

    private AcceptedBaseline(Map<String, BaselineItem> definitions, Map<String, BaselineItem> datasets,
                             Long captureId, String acceptedAt) {
        this.definitions = definitions;
        this.datasets = datasets;
        this.captureId = captureId;
        this.acceptedAt = acceptedAt;
    }

    public static AcceptedBaseline load(Connection connection, String target) throws SQLException {
        Map<String, BaselineItem> definitions = new LinkedHashMap<>();
        Map<String, BaselineItem> datasets = new LinkedHashMap<>();
        Long captureId = null;
        String acceptedAt = null;
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT b.kind, b.object, b.hash, b.row_count, b.capture_id, b.accepted_at::text
                  FROM audit.baseline b WHERE b.target = ? ORDER BY b.kind, b.object""")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long rows = rs.getLong(4);
                    BaselineItem item = new BaselineItem(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.wasNull() ? null : rows);
                    (item.kind().equals(BaselineItem.DEFINITION) ? definitions : datasets).put(item.object(), item);
                    captureId = rs.getLong(5);
                    acceptedAt = rs.getString(6);
                }
            }
        }
        return new AcceptedBaseline(definitions, datasets, captureId, acceptedAt);
    }

    public Map<String, BaselineItem> definitions() {
        return definitions;
    }

    public Map<String, BaselineItem> datasets() {
        return datasets;
    }

    public boolean isEmpty() {
        return definitions.isEmpty() && datasets.isEmpty();
    }

    /** "capture 12 accepted at 2026-01-01 10:00:00+00", for messages. */
    public String describe() {
        return captureId == null ? "no accepted baseline" : "baseline capture " + captureId + " accepted at " + acceptedAt;
    }
}

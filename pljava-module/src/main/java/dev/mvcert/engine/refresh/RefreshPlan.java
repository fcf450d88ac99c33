package dev.mvcert.engine.refresh;

import dev.mvcert.engine.jdbc.JdbcTemplate;
import java.sql.Array;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The materialized views of a target's closure in refresh order (audit.refresh_plan). */
public record RefreshPlan(String target, List<PlannedView> views) {

    public RefreshPlan {
        views = List.copyOf(views);
    }

    /** The plan of {@code target} (a canonical name), with the expected duration of each view. */
    public static RefreshPlan load(JdbcTemplate jdbc, String target) throws SQLException {
        List<PlannedView> views = jdbc.query("""
                SELECT p.step, p.level, p.matview, p.mode, p.reason, p.unique_index, p.depends_on, p.warning,
                       EXTRACT(epoch FROM p.expected_duration), p.critical_path
                  FROM audit.refresh_plan(?::regclass) p ORDER BY p.step""", rs -> {
            // pgjdbc returns a java.sql.Array, PL/Java's in-database JDBC a String[]
            Object deps = rs.getObject(7);
            List<String> dependsOn = deps == null ? List.of()
                    : Arrays.asList((String[]) (deps instanceof Array array ? array.getArray() : deps));
            double seconds = rs.getDouble(9);
            Duration expected = rs.wasNull() ? null : Duration.ofNanos((long) (seconds * 1e9));
            return new PlannedView(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5),
                    rs.getString(6), dependsOn, rs.getString(8), expected, rs.getBoolean(10));
        }, target);
        return new RefreshPlan(target, views);
    }
}

package dev.mvcert.engine.certify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** The certification configuration of a registered target (audit.target and the rule tables). */
public record TargetRules(String target, String dayColumn, List<LocalDate> hashDays, List<SqlAssertion> assertions) {

    public record SqlAssertion(String name, String query) {}

    /**
     * Loads the rules; {@code audit._require_registered} raises SQLSTATE MVC01 when the target is
     * not registered, and a clear error when it does not exist or is not a view.
     */
    public static TargetRules load(Connection connection, String target) throws SQLException {
        String canonical;
        String dayColumn;
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT t.target, t.day_column FROM audit.target t
                 WHERE t.target = audit._require_registered(?::regclass)""")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                canonical = rs.getString(1);
                dayColumn = rs.getString(2);
            }
        }
        List<LocalDate> days = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT h.day FROM audit.hash_day h WHERE h.target = ? ORDER BY h.day")) {
            ps.setString(1, canonical);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    days.add(rs.getDate(1).toLocalDate());
                }
            }
        }
        List<SqlAssertion> assertions = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT a.name, a.query FROM audit.sql_assertion a WHERE a.target = ? ORDER BY a.name")) {
            ps.setString(1, canonical);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    assertions.add(new SqlAssertion(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return new TargetRules(canonical, dayColumn, List.copyOf(days), List.copyOf(assertions));
    }
}

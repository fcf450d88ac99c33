package dev.mvcert.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a refused call must leave as it was, as the tests of bad input compare it: an md5 per
 * audit table (and cron.job where pg_cron is installed), one over the database's relations,
 * and the last value of every sequence of the database's own schemas: sequences move even in
 * a transaction that rolls back, so a call that draws an id before it validates its input
 * shows here although its rows were rolled back.
 */
public final class StateSnapshot {

    private StateSnapshot() {
    }

    public static Map<String, String> of(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT format('%I.%I', schemaname, tablename) FROM pg_catalog.pg_tables
                      WHERE schemaname = 'audit'
                         OR (schemaname = 'cron' AND tablename = 'job')
                      ORDER BY 1""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        Map<String, String> state = new LinkedHashMap<>();
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM " + table + " t")) {
                    rs.next();
                    state.put(table, rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT md5(string_agg(format('%s.%s:%s', n.nspname, c.relname, c.relkind), ',' ORDER BY n.nspname, c.relname))
                      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'""")) {
                rs.next();
                state.put("relations", rs.getString(1));
            }
            // pg_cron's own run ids move whenever a job runs: not ours to compare
            try (ResultSet rs = s.executeQuery("""
                    SELECT format('sequence %I.%I', schemaname, sequencename), coalesce(last_value::text, 'unused')
                      FROM pg_catalog.pg_sequences
                     WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'cron') ORDER BY 1""")) {
                while (rs.next()) {
                    state.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return state;
    }
}

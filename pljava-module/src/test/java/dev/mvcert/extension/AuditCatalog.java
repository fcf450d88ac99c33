package dev.mvcert.extension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A description of everything mvcert defines in a database, free of OIDs and creation order, so
 * that a fresh install and an upgraded one can be compared line by line: relations with their
 * columns (in order), constraints, indexes, triggers and policies, view and routine definitions,
 * privileges, comments, event triggers, types, and what belongs to the extension.
 */
final class AuditCatalog {

    private static final String LINES = """
            WITH rel AS (
              SELECT c.oid, c.relname, c.relkind, c.relacl, c.relrowsecurity
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'audit'
            ), acl(obj, items) AS (
              SELECT 'relation ' || r.relname, r.relacl FROM rel r
              UNION ALL SELECT 'routine ' || p.oid::regprocedure::text, p.proacl
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'audit'
              UNION ALL SELECT 'schema audit', n.nspacl FROM pg_namespace n WHERE n.nspname = 'audit'
            )
            SELECT 'relation ' || r.relkind::text || ' ' || r.relname || CASE WHEN r.relrowsecurity THEN ' rls' ELSE '' END FROM rel r
            UNION ALL
            SELECT format('column %s #%s %s %s%s%s%s%s', r.relname,
                          row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname,
                          format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                          COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                          CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END,
                          CASE a.attgenerated WHEN 's' THEN ' generated stored' ELSE '' END)
              FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE r.relkind IN ('r', 'v', 'm', 'c', 'p')
            UNION ALL
            SELECT format('constraint %s %s %s', r.relname, con.conname, pg_get_constraintdef(con.oid))
              FROM rel r JOIN pg_constraint con ON con.conrelid = r.oid
            UNION ALL
            SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM rel r JOIN pg_index i ON i.indrelid = r.oid
            UNION ALL
            SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
            UNION ALL
            SELECT format('policy %s %s %s %s %s', r.relname, p.polname, p.polcmd, pg_get_expr(p.polqual, p.polrelid),
                          pg_get_expr(p.polwithcheck, p.polrelid))
              FROM rel r JOIN pg_policy p ON p.polrelid = r.oid
            UNION ALL
            SELECT format('view %s %s', r.relname, pg_get_viewdef(r.oid)) FROM rel r WHERE r.relkind IN ('v', 'm')
            UNION ALL
            SELECT format('sequence %s %s', r.relname, (SELECT format('%s %s %s %s', s.seqtypid::regtype, s.seqincrement, s.seqmin, s.seqcycle)
                                                          FROM pg_sequence s WHERE s.seqrelid = r.oid))
              FROM rel r WHERE r.relkind = 'S'
            UNION ALL
            SELECT 'routine ' || pg_get_functiondef(p.oid)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'audit' AND p.prokind <> 'a'
            UNION ALL
            SELECT format('type %s %s', t.typname, t.typtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'audit' AND t.typtype IN ('e', 'd', 'c', 'r')
               AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
            UNION ALL
            SELECT format('acl %s %s', a.obj, (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.items) x)) FROM acl a
            UNION ALL
            SELECT format('comment %s %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
              FROM pg_description d
             WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rel))
                OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'audit'))
                OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 'audit'::regnamespace)
                OR (d.classoid = 'pg_event_trigger'::regclass)
            UNION ALL
            SELECT format('event trigger %s %s %s %s %s', e.evtname, e.evtevent, e.evtfoid::regprocedure, e.evtenabled, e.evttags)
              FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'audit'
            UNION ALL
            SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
              FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
             WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND x.extname = 'mvcert'
            UNION ALL
            SELECT format('config dump %s %s', cfg.rel::regclass, cfg.cond)
              FROM pg_extension x, unnest(x.extconfig, x.extcondition) cfg(rel, cond) WHERE x.extname = 'mvcert'
            """;

    private AuditCatalog() {}

    /** Every line of the description, sorted. */
    static TreeSet<String> describe(Connection c) throws SQLException {
        TreeSet<String> out = new TreeSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(LINES)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Lines of {@code a} missing from {@code b} and the other way round, for a readable failure. */
    static String difference(TreeSet<String> expected, TreeSet<String> actual) {
        StringBuilder b = new StringBuilder();
        for (String line : expected) {
            if (!actual.contains(line)) {
                b.append("\n  only in the fresh install: ").append(line);
            }
        }
        for (String line : actual) {
            if (!expected.contains(line)) {
                b.append("\n  only in the upgraded one:  ").append(line);
            }
        }
        return b.toString();
    }

    /**
     * The rows of every audit table, as an md5 per table over the given columns (so rows written
     * by an older version can be compared after an upgrade that added columns).
     */
    static Map<String, String> rowDigests(Connection c, Map<String, List<String>> columnsByTable) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement()) {
            for (Map.Entry<String, List<String>> table : columnsByTable.entrySet()) {
                String cols = String.join(", ", table.getValue().stream().map(col -> "t." + quote(col)).toList());
                String sql = "SELECT count(*) || ':' || coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM "
                        + "(SELECT ROW(" + cols + ")::text AS r FROM audit." + quote(table.getKey()) + " t) x";
                try (ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    out.put(table.getKey(), rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The ordinary tables of schema audit and their columns. */
    static Map<String, List<String>> tableColumns(Connection c) throws SQLException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE n.nspname = 'audit' AND c.relkind = 'r' ORDER BY c.relname, a.attnum""")) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
            }
        }
        return out;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}

package dev.mvcert.agent.hardening;

import dev.mvcert.testing.TestDatabase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An md5 per audit table plus one over the database's relations, as BadInputIT compares them. */
final class BadInputSnapshot {

    private BadInputSnapshot() {
    }

    static Map<String, String> of(TestDatabase db) {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<String> tables = db.queryColumn("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'audit' ORDER BY 1");
        for (String table : tables) {
            hashes.put(table, db.queryValue(String.class,
                    "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM " + table + " t"));
        }
        hashes.put("relations", db.queryValue(String.class, """
                SELECT md5(string_agg(format('%s.%s:%s', n.nspname, c.relname, c.relkind), ',' ORDER BY n.nspname, c.relname))
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"""));
        return hashes;
    }
}

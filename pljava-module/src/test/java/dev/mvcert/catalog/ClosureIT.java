package dev.mvcert.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** audit.closure: what a view depends on, transitively, as PostgreSQL and users record it. */
@ExtendWith(PostgresExtension.class)
class ClosureIT {

    /** One row of audit.closure, all columns as text. */
    record Row(String relation, String kind, int depth, String parent, String via) {}

    @Test
    void nestedViewsAppearAtTheirShortestDepthWithKindAndFirstParent(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA nest;
                CREATE TABLE nest.listing (id int PRIMARY KEY, price int);
                CREATE VIEW nest.priced AS SELECT id, price FROM nest.listing WHERE price > 0;
                CREATE MATERIALIZED VIEW nest.priced_mv AS SELECT id, price FROM nest.priced;
                CREATE VIEW nest.top AS SELECT m.id, l.price FROM nest.priced_mv m JOIN nest.listing l USING (id);
                """);

        assertEquals(List.of(
                        new Row("nest.top", "view", 0, null, null),
                        new Row("nest.listing", "table", 1, "nest.top", "catalog"),
                        new Row("nest.priced_mv", "materialized view", 1, "nest.top", "catalog"),
                        new Row("nest.priced", "view", 2, "nest.priced_mv", "catalog")),
                closure(db, "nest.top"));
    }

    @Test
    void userFunctionsAreIncludedAndAtomicBodiesAreFollowedButSystemFunctionsAreNot(TestDatabase db) throws SQLException {
        // one statement per call: the driver would split a BEGIN ATOMIC body at its semicolons
        db.execute("""
                CREATE SCHEMA fn;
                CREATE TABLE fn.visible_in_body (id int);
                CREATE TABLE fn.hidden_in_string (id int);
                CREATE FUNCTION fn.string_count() RETURNS bigint LANGUAGE sql STABLE
                    AS 'SELECT count(*) FROM fn.hidden_in_string';
                """);
        db.execute("""
                CREATE FUNCTION fn.atomic_count() RETURNS bigint LANGUAGE sql STABLE
                    BEGIN ATOMIC SELECT count(*) FROM fn.visible_in_body; END""");
        db.execute("CREATE VIEW fn.v AS SELECT fn.atomic_count() AS a, fn.string_count() AS s, lower('X') AS l, now() AS t");

        List<Row> rows = closure(db, "fn.v");

        assertEquals(List.of(
                        new Row("fn.v", "view", 0, null, null),
                        new Row("fn.atomic_count()", "function", 1, "fn.v", "catalog"),
                        new Row("fn.string_count()", "function", 1, "fn.v", "catalog"),
                        new Row("fn.visible_in_body", "table", 2, "fn.atomic_count()", "catalog")),
                rows, "lower() and now() are system functions; a string body is not parsed");
    }

    @Test
    void declaredEdgesJoinTheClosureMarkedDeclared(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA decl;
                CREATE TABLE decl.fx_rate (day date, rate numeric);
                CREATE FUNCTION decl.rate_today() RETURNS numeric LANGUAGE plpgsql STABLE
                    AS $$ BEGIN RETURN (SELECT max(rate) FROM decl.fx_rate); END $$;
                CREATE MATERIALIZED VIEW decl.priced AS SELECT decl.rate_today() AS rate;
                SELECT audit.declare_dependency('decl.priced', 'decl.fx_rate', 'read inside decl.rate_today()');
                """);

        assertEquals(List.of(
                        new Row("decl.priced", "materialized view", 0, null, null),
                        new Row("decl.fx_rate", "table", 1, "decl.priced", "declared"),
                        new Row("decl.rate_today()", "function", 1, "decl.priced", "catalog")),
                closure(db, "decl.priced"));
    }

    @Test
    void aCycleThroughDeclaredEdgesIsAnErrorThatSpellsTheCycle(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA cyc;
                CREATE TABLE cyc.t (id int);
                CREATE MATERIALIZED VIEW cyc.a AS SELECT id FROM cyc.t;
                CREATE MATERIALIZED VIEW cyc.b AS SELECT id FROM cyc.a;
                CREATE VIEW cyc.top AS SELECT id FROM cyc.b;
                -- written directly, as a restore or an old version could leave it: declare_dependency refuses it
                INSERT INTO audit.declared_dependency (dependent, depends_on) VALUES ('cyc.a', 'cyc.b');
                """);

        for (String call : List.of("SELECT * FROM audit.closure('cyc.top')", "SELECT * FROM audit.refresh_plan('cyc.top')")) {
            SQLException e = error(db, call);
            assertEquals("42P19", e.getSQLState(), call);
            assertTrue(e.getMessage().contains(": cyc.b -> cyc.a -> cyc.b (cyc.b -> cyc.a: materialized view reads "
                    + "materialized view; cyc.a -> cyc.b: declared dependency)"), e.getMessage());
            assertTrue(e.getMessage().contains("Declared edges on the cycle: cyc.a -> cyc.b"), e.getMessage());
        }
        db.execute("DELETE FROM audit.declared_dependency WHERE dependent = 'cyc.a'");
    }

    @Test
    void aCycleThroughAFunctionBodyIsReportedToo(TestDatabase db) throws SQLException {
        db.execute("CREATE SCHEMA fcyc");
        db.execute("CREATE FUNCTION fcyc.f() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT 1::bigint; END");
        db.execute("CREATE VIEW fcyc.v AS SELECT fcyc.f() AS n");
        db.execute("CREATE OR REPLACE FUNCTION fcyc.f() RETURNS bigint LANGUAGE sql STABLE "
                + "BEGIN ATOMIC SELECT count(*) FROM fcyc.v; END");

        SQLException e = error(db, "SELECT * FROM audit.closure('fcyc.v')");
        assertEquals("42P19", e.getSQLState());
        assertTrue(e.getMessage().contains("fcyc.v -> fcyc.f() -> fcyc.v (fcyc.v -> fcyc.f(): view calls function; "
                + "fcyc.f() -> fcyc.v: function body reads view)"), e.getMessage());
    }

    @Test
    void aCycleBetweenTwoViewsThroughAFunctionNamesEachEdgeForWhatItIs(TestDatabase db) throws SQLException {
        // a reads b, b calls f, and f's body reads a: nothing is declared, and no function body reads a view that calls it
        db.execute("CREATE SCHEMA vcyc");
        db.execute("CREATE FUNCTION vcyc.f() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT 1::bigint; END");
        db.execute("CREATE VIEW vcyc.b AS SELECT vcyc.f() AS n");
        db.execute("CREATE VIEW vcyc.a AS SELECT n FROM vcyc.b");
        db.execute("CREATE OR REPLACE FUNCTION vcyc.f() RETURNS bigint LANGUAGE sql STABLE "
                + "BEGIN ATOMIC SELECT count(*) FROM vcyc.a; END");

        SQLException e = error(db, "SELECT * FROM audit.closure('vcyc.a')");

        assertEquals("42P19", e.getSQLState());
        assertTrue(e.getMessage().contains("dependency cycle in the closure of vcyc.a: vcyc.a -> vcyc.b -> vcyc.f() -> vcyc.a "
                + "(vcyc.a -> vcyc.b: view reads view; vcyc.b -> vcyc.f(): view calls function; "
                + "vcyc.f() -> vcyc.a: function body reads view)"), e.getMessage());
        assertTrue(e.getMessage().contains("every edge of the cycle is recorded by PostgreSQL"), e.getMessage());
    }

    /** One row of audit.closure with its untracked flag. */
    record Input(String relation, String kind, int depth, String parent, boolean untracked) {}

    @Test
    void systemCatalogsAndViewsTheStoredQueryReadsAreListedAsUntrackedLeaves(TestDatabase db) throws SQLException {
        // pg_depend records none of the pinned catalogs (pg_class, pg_namespace), and the views
        // of pg_catalog and information_schema used to be expanded as if they were the user's
        db.execute("""
                CREATE SCHEMA sys;
                CREATE TABLE sys.own (relname name);
                CREATE VIEW sys.classes AS SELECT c.relname FROM pg_catalog.pg_class c JOIN sys.own o USING (relname);
                CREATE VIEW sys.settings AS SELECT name FROM pg_catalog.pg_settings;
                CREATE VIEW sys.tables AS SELECT table_name FROM information_schema.tables;
                CREATE VIEW sys.sessions AS
                    SELECT pid FROM pg_catalog.pg_stat_activity WHERE pid IN (SELECT oid::int FROM pg_catalog.pg_namespace);
                """);
        db.execute("CREATE FUNCTION sys.schema_count() RETURNS bigint LANGUAGE sql STABLE "
                + "BEGIN ATOMIC SELECT count(*) FROM pg_catalog.pg_namespace; END");
        db.execute("""
                CREATE MATERIALIZED VIEW sys.snapshot AS
                SELECT s.relname, sys.schema_count() AS schemas FROM sys.classes s, sys.settings, sys.tables, sys.sessions
                """);

        assertEquals(List.of(
                        new Input("sys.snapshot", "materialized view", 0, null, false),
                        new Input("sys.classes", "view", 1, "sys.snapshot", false),
                        new Input("sys.schema_count()", "function", 1, "sys.snapshot", false),
                        new Input("sys.sessions", "view", 1, "sys.snapshot", false),
                        new Input("sys.settings", "view", 1, "sys.snapshot", false),
                        new Input("sys.tables", "view", 1, "sys.snapshot", false),
                        new Input("information_schema.tables", "view", 2, "sys.tables", true),
                        new Input("pg_catalog.pg_class", "table", 2, "sys.classes", true),
                        new Input("pg_catalog.pg_namespace", "table", 2, "sys.schema_count()", true),
                        new Input("pg_catalog.pg_settings", "view", 2, "sys.settings", true),
                        new Input("pg_catalog.pg_stat_activity", "view", 2, "sys.sessions", true),
                        new Input("sys.own", "table", 2, "sys.classes", false)),
                inputs(db, "sys.snapshot"),
                "each system relation once, at its shortest depth, and nothing below the system views");
        assertEquals(List.of(
                        new Input("sys.sessions", "view", 0, null, false),
                        new Input("pg_catalog.pg_namespace", "table", 1, "sys.sessions", true),
                        new Input("pg_catalog.pg_stat_activity", "view", 1, "sys.sessions", true)),
                inputs(db, "sys.sessions"), "a catalog read in a subquery counts too");
    }

    @Test
    void systemViewsAreNotTargets(TestDatabase db) throws SQLException {
        for (String view : List.of("pg_catalog.pg_stat_activity", "information_schema.tables", "pg_catalog.pg_settings")) {
            for (String call : List.of("SELECT * FROM audit.closure('%s')", "SELECT * FROM audit.refresh_plan('%s')",
                    "SELECT audit.register_target('%s')")) {
                SQLException e = error(db, call.formatted(view));
                assertEquals("42809", e.getSQLState(), call.formatted(view));
                assertTrue(e.getMessage().contains("target " + view + " is a system view"), e.getMessage());
            }
        }
        assertEquals(0L, db.queryValue(Long.class,
                "SELECT count(*) FROM audit.target WHERE target LIKE 'pg\\_catalog.%' OR target LIKE 'information\\_schema.%'"));
    }

    static List<Input> inputs(TestDatabase db, String target) throws SQLException {
        List<Input> rows = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT relation, kind, depth, parent, untracked FROM audit.closure(?::regclass) ORDER BY depth, relation")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Input(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getBoolean(5)));
                }
            }
        }
        return rows;
    }

    @Test
    void badTargetsGetTheErrorsOfRequireView(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA bad;
                CREATE TABLE bad.t (id int PRIMARY KEY);
                """);

        assertEquals("22004", error(db, "SELECT * FROM audit.closure(NULL)").getSQLState());
        SQLException unknown = error(db, "SELECT * FROM audit.closure(4000000000::oid::regclass)");
        assertEquals("42P01", unknown.getSQLState());
        SQLException table = error(db, "SELECT * FROM audit.closure('bad.t')");
        assertEquals("42809", table.getSQLState());
        assertTrue(table.getMessage().contains("bad.t is a table"), table.getMessage());
        SQLException index = error(db, "SELECT * FROM audit.closure('bad.t_pkey')");
        assertEquals("42809", index.getSQLState());
        assertTrue(index.getMessage().contains("index"), index.getMessage());
        assertEquals("42809", error(db, "SELECT * FROM audit.refresh_plan('bad.t')").getSQLState());
    }

    @Test
    void hostileNamesComeBackCanonicalAndResolveToTheSameObjects(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA "Sch ëma""; x";
                CREATE TABLE "Sch ëma""; x"."Base Tàble" (id int);
                CREATE FUNCTION "Sch ëma""; x"."Twice!"(n int) RETURNS int LANGUAGE sql IMMUTABLE RETURN n * 2;
                CREATE MATERIALIZED VIEW "Sch ëma""; x"."my ""view""; drop" AS
                    SELECT "Sch ëma""; x"."Twice!"(id) AS id FROM "Sch ëma""; x"."Base Tàble";
                CREATE VIEW public."UPPER" AS SELECT id FROM "Sch ëma""; x"."my ""view""; drop";
                """);

        assertEquals(List.of(
                        new Row("public.\"UPPER\"", "view", 0, null, null),
                        new Row("\"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\"", "materialized view", 1,
                                "public.\"UPPER\"", "catalog"),
                        new Row("\"Sch ëma\"\"; x\".\"Base Tàble\"", "table", 2,
                                "\"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\"", "catalog"),
                        new Row("\"Sch ëma\"\"; x\".\"Twice!\"(n integer)", "function", 2,
                                "\"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\"", "catalog")),
                closure(db, "public.\"UPPER\""));
        assertEquals(List.of(), db.queryColumn("""
                SELECT relation FROM audit.closure('public."UPPER"')
                 WHERE kind <> 'function' AND relation::regclass::oid <> relid"""),
                "every canonical relation name resolves to the relation it describes");
    }

    @Test
    void closureAndPlanOfAThousandMatviewsInTenLevelsTakeWellUnderASecond(TestDatabase db) throws SQLException {
        // 10 levels of 100 matviews; each reads three matviews of the two levels below it.
        db.execute("""
                CREATE SCHEMA dag;
                CREATE TABLE dag.base (id int PRIMARY KEY, v int);
                INSERT INTO dag.base SELECT g, g FROM generate_series(1, 10) g;
                DO $$
                DECLARE
                    v_level int; v_i int; v_query text;
                BEGIN
                  FOR v_level IN 0..9 LOOP
                    FOR v_i IN 1..100 LOOP
                      v_query := CASE WHEN v_level = 0 THEN 'SELECT id, v FROM dag.base'
                                 ELSE format('SELECT a.id, a.v + b.v + c.v AS v FROM dag.%I a JOIN dag.%I b USING (id) JOIN dag.%I c USING (id)',
                                             format('m%s_%s', v_level - 1, v_i),
                                             format('m%s_%s', v_level - 1, (v_i * 7) % 100 + 1),
                                             format('m%s_%s', greatest(v_level - 2, 0), (v_i * 13) % 100 + 1)) END;
                      EXECUTE format('CREATE MATERIALIZED VIEW dag.%I AS %s', format('m%s_%s', v_level, v_i), v_query);
                      EXECUTE format('CREATE UNIQUE INDEX ON dag.%I (id)', format('m%s_%s', v_level, v_i));
                    END LOOP;
                  END LOOP;
                  EXECUTE 'CREATE VIEW dag.top AS '
                       || (SELECT string_agg(format('SELECT id FROM dag.m9_%s', k), ' UNION ALL ') FROM generate_series(1, 100) k);
                END $$;
                ANALYZE;
                """);

        assertEquals(1002L, db.queryValue(Long.class, "SELECT count(*) FROM audit.closure('dag.top')"));
        assertEquals(1000L, db.queryValue(Long.class, "SELECT count(*) FROM audit.refresh_plan('dag.top')"));
        assertEquals(9, db.queryValue(Integer.class, "SELECT max(level) FROM audit.refresh_plan('dag.top')"));
        // best of three, so a busy machine does not fail the test; a walk that enumerates paths takes minutes
        assertTrue(bestMillis(db, "SELECT count(*) FROM audit.closure('dag.top')") < 1000);
        assertTrue(bestMillis(db, "SELECT count(*) FROM audit.refresh_plan('dag.top')") < 1000);
    }

    private static long bestMillis(TestDatabase db, String sql) throws SQLException {
        long best = Long.MAX_VALUE;
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                s.executeQuery(sql).close();
                best = Math.min(best, (System.nanoTime() - start) / 1_000_000);
            }
        }
        return best;
    }

    static List<Row> closure(TestDatabase db, String target) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT relation, kind, depth, parent, via FROM audit.closure(?::regclass) ORDER BY depth, relation")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        assertFalse(rows.isEmpty());
        return rows;
    }

    /** The error a statement fails with (it must fail). */
    static SQLException error(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return assertThrows(SQLException.class, () -> s.execute(sql), sql);
        }
    }
}

package dev.mvcert.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** audit.refresh_plan: order, parallel levels and the refresh mode the server accepts. */
@ExtendWith(PostgresExtension.class)
class RefreshPlanIT {

    record Step(int step, int level, String matview, String mode, String reason, String uniqueIndex,
                List<String> dependsOn, String warning, String detail) {}

    @Test
    void eachMatviewGetsTheModeItsStateAllows(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA modes;
                CREATE TABLE modes.src (id int PRIMARY KEY, grp int NOT NULL);
                INSERT INTO modes.src SELECT g, g % 10 FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW modes.keyed AS SELECT id, grp FROM modes.src;
                CREATE UNIQUE INDEX keyed_id ON modes.keyed (id);
                CREATE MATERIALIZED VIEW modes.empty AS SELECT id, grp FROM modes.src WITH NO DATA;
                CREATE UNIQUE INDEX empty_id ON modes.empty (id);
                CREATE MATERIALIZED VIEW modes.unkeyed AS SELECT id, grp FROM modes.src;
                CREATE INDEX unkeyed_id ON modes.unkeyed (id);
                CREATE MATERIALIZED VIEW modes.broken AS SELECT id, grp FROM modes.src;
                """);
        // grp repeats, so the concurrent build fails and leaves an invalid unique index behind
        SQLException failed = ClosureIT.error(db, "CREATE UNIQUE INDEX CONCURRENTLY broken_grp ON modes.broken (grp)");
        assertEquals("23505", failed.getSQLState());
        db.execute("CREATE VIEW modes.top AS SELECT 1 FROM modes.keyed, modes.empty, modes.unkeyed, modes.broken");

        Map<String, Step> plan = byName(plan(db, "modes.top"));

        assertEquals(4, plan.size());
        assertMode(plan.get("modes.keyed"), "concurrently", "concurrently", "modes.keyed_id");
        assertMode(plan.get("modes.empty"), "plain", "plain:unpopulated", null);
        assertMode(plan.get("modes.unkeyed"), "plain", "plain:no_unique_index", null);
        assertMode(plan.get("modes.broken"), "rebuild", "rebuild:invalid_index", "modes.broken_grp");
        assertTrue(plan.get("modes.broken").warning().contains("index modes.broken_grp is invalid"),
                plan.get("modes.broken").warning());
        assertPlanMatchesServer(db, plan.values());
    }

    @Test
    void partialAndExpressionUniqueIndexesAreNotEligibleJustAsTheServerRefuses(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA shapes;
                CREATE TABLE shapes.src (id int PRIMARY KEY);
                INSERT INTO shapes.src SELECT generate_series(1, 50);
                CREATE MATERIALIZED VIEW shapes.partial AS SELECT id FROM shapes.src;
                CREATE UNIQUE INDEX partial_id ON shapes.partial (id) WHERE id > 0;
                CREATE MATERIALIZED VIEW shapes.expression AS SELECT id FROM shapes.src;
                CREATE UNIQUE INDEX expression_id ON shapes.expression ((id + 0));
                CREATE MATERIALIZED VIEW shapes.covering AS SELECT id, id * 2 AS twice FROM shapes.src;
                CREATE UNIQUE INDEX covering_id ON shapes.covering (id) INCLUDE (twice);
                CREATE VIEW shapes.top AS SELECT 1 FROM shapes.partial, shapes.expression, shapes.covering;
                """);

        Map<String, Step> plan = byName(plan(db, "shapes.top"));

        assertMode(plan.get("shapes.partial"), "plain", "plain:no_unique_index", null);
        assertTrue(plan.get("shapes.partial").warning().contains("shapes.partial_id cannot serve REFRESH CONCURRENTLY: it is partial"));
        assertMode(plan.get("shapes.expression"), "plain", "plain:no_unique_index", null);
        assertTrue(plan.get("shapes.expression").warning().contains("it indexes expressions"));
        assertMode(plan.get("shapes.covering"), "concurrently", "concurrently", "shapes.covering_id");
        assertPlanMatchesServer(db, plan.values());
    }

    @Test
    void aUniqueIndexWhosePredicateFoldsToTrueServesConcurrentlyExactlyWhenTheServerSaysSo(TestDatabase db)
            throws SQLException {
        // the server folds the WHERE clause (eval_const_expressions) before deciding: TRUE counts as none
        db.execute("""
                CREATE SCHEMA folds;
                CREATE TABLE folds.src (id int PRIMARY KEY);
                INSERT INTO folds.src SELECT generate_series(1, 20);
                CREATE FUNCTION folds.yes() RETURNS boolean LANGUAGE sql IMMUTABLE RETURN true;
                CREATE FUNCTION folds.yes_plpgsql() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN true; END $$;
                CREATE FUNCTION folds.no() RETURNS boolean LANGUAGE sql IMMUTABLE RETURN false;
                CREATE FUNCTION folds.inlined_later() RETURNS boolean LANGUAGE sql IMMUTABLE RETURN true;
                CREATE FUNCTION folds.stable_later() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN true; END $$;
                """);
        Map<String, String> predicates = new LinkedHashMap<>();
        predicates.put("two_gt_one", "2 > 1");                          // folds to TRUE
        predicates.put("immutable_sql", "folds.yes()");                 // inlined, TRUE
        predicates.put("immutable_plpgsql", "folds.yes_plpgsql()");     // evaluated at planning, TRUE
        predicates.put("and_of_trues", "1 = 1 AND folds.yes()");        // TRUE
        predicates.put("one_gt_two", "1 > 2");                          // FALSE
        predicates.put("immutable_false", "folds.no()");                // FALSE
        predicates.put("null_predicate", "NULL::boolean");              // NULL is not TRUE
        predicates.put("sql_made_stable", "folds.inlined_later()");     // STABLE now, but a SQL body the server inlines: TRUE
        predicates.put("plpgsql_made_stable", "folds.stable_later()");  // STABLE now: not folded, stays partial
        predicates.put("on_a_column", "id > 0");                        // a real partial index
        StringBuilder ddl = new StringBuilder();
        for (Map.Entry<String, String> p : predicates.entrySet()) {
            ddl.append("CREATE MATERIALIZED VIEW folds.%1$s AS SELECT id FROM folds.src;\n".formatted(p.getKey()))
               .append("CREATE UNIQUE INDEX %1$s_id ON folds.%1$s (id) WHERE %2$s;\n".formatted(p.getKey(), p.getValue()));
        }
        ddl.append("ALTER FUNCTION folds.inlined_later() STABLE;\nALTER FUNCTION folds.stable_later() STABLE;\n")
           .append("CREATE VIEW folds.top AS SELECT 1 FROM ")
           .append(String.join(", ", predicates.keySet().stream().map(k -> "folds." + k).toList()));
        db.execute(ddl.toString());

        Map<String, Step> plan = byName(plan(db, "folds.top"));

        for (String usable : List.of("two_gt_one", "immutable_sql", "immutable_plpgsql", "and_of_trues", "sql_made_stable")) {
            assertMode(plan.get("folds." + usable), "concurrently", "concurrently", "folds." + usable + "_id");
        }
        for (String partial : List.of("one_gt_two", "immutable_false", "null_predicate", "plpgsql_made_stable", "on_a_column")) {
            assertMode(plan.get("folds." + partial), "plain", "plain:no_unique_index", null);
            assertTrue(plan.get("folds." + partial).warning().contains("it is partial"), plan.get("folds." + partial).warning());
        }
        assertPlanMatchesServer(db, plan.values());
    }

    @Test
    void aPredicateThatFailsToFoldIsNotPlannedConcurrentlyAndNothingElseRuns(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA fails;
                CREATE TABLE fails.src (id int PRIMARY KEY);
                INSERT INTO fails.src SELECT generate_series(1, 5);
                CREATE TABLE fails.calls (n int);
                CREATE FUNCTION fails.ok() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN true; END $$;
                CREATE MATERIALIZED VIEW fails.mv AS SELECT id FROM fails.src;
                CREATE UNIQUE INDEX mv_id ON fails.mv (id) WHERE fails.ok();
                CREATE OR REPLACE FUNCTION fails.ok() RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                    AS $$ BEGIN RAISE EXCEPTION 'predicate evaluation failed'; END $$;
                """);

        assertMode(plan(db, "fails.mv").get(0), "plain", "plain:no_unique_index", null);
        // the server's own folding fails the same way, so CONCURRENTLY is not possible either
        SQLException server = ClosureIT.error(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY fails.mv");
        assertEquals("P0001", server.getSQLState());
        assertTrue(server.getMessage().contains("predicate evaluation failed"), server.getMessage());
    }

    @Test
    void concurrentlyPlansReallyRefreshConcurrentlyAndKeepRowsInPlace(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA conc;
                CREATE TABLE conc.src (id int PRIMARY KEY, v int);
                INSERT INTO conc.src SELECT g, g FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW conc.mv AS SELECT id, v FROM conc.src;
                CREATE UNIQUE INDEX mv_id ON conc.mv (id);
                ANALYZE conc.mv;
                """);
        Step step = plan(db, "conc.mv").get(0);
        assertMode(step, "concurrently", "concurrently", "conc.mv_id");
        assertNull(step.warning(), "id has no NULLs at the last ANALYZE");

        db.execute("UPDATE conc.src SET v = -1 WHERE id = 1");
        assertEquals(1L, rowsRewrittenByConcurrentRefresh(db, step.matview()),
                "only the changed row was rewritten: a merge, not a heap swap");
        assertEquals(-1, db.queryValue(Integer.class, "SELECT v FROM conc.mv WHERE id = 1"));
    }

    @Test
    void nullableKeysAreWarnedAboutBecauseTheirRowsAreRewrittenOnEveryRefresh(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA nulls;
                CREATE TABLE nulls.src (id int PRIMARY KEY, k int);
                INSERT INTO nulls.src SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW nulls.by_k AS SELECT id, k FROM nulls.src;
                CREATE UNIQUE INDEX by_k_k ON nulls.by_k (k);
                ANALYZE nulls.by_k;
                """);

        Step step = plan(db, "nulls.by_k").get(0);

        assertMode(step, "concurrently", "concurrently", "nulls.by_k_k");
        assertTrue(step.warning().startsWith("unique index nulls.by_k_k has nullable key column \"k\" (25.00% NULL at last ANALYZE)"),
                step.warning());
        assertTrue(step.warning().contains("deleted and re-inserted on every refresh (WAL churn)"), step.warning());
        assertTrue(step.warning().contains("WHERE k IS NOT NULL"), step.warning());
        assertEquals(25L, rowsRewrittenByConcurrentRefresh(db, "nulls.by_k"), "what the warning says happens");
    }

    @Test
    void aNullFreeUniqueIndexIsPreferredButANullableSecondOneIsStillWarnedAbout(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA pref;
                CREATE TABLE pref.src (id int PRIMARY KEY, k int);
                INSERT INTO pref.src SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW pref.mv AS SELECT id, k FROM pref.src;
                CREATE UNIQUE INDEX a_by_k ON pref.mv (k);
                CREATE UNIQUE INDEX b_by_id ON pref.mv (id);
                ANALYZE pref.mv;
                """);

        Step step = plan(db, "pref.mv").get(0);

        assertMode(step, "concurrently", "concurrently", "pref.b_by_id");
        assertTrue(step.detail().contains("preferred among 2 usable unique indexes because its key columns hold no NULLs"),
                step.detail());
        assertTrue(step.warning().startsWith("unique index pref.a_by_k has nullable key column \"k\""), step.warning());
        assertTrue(step.warning().contains("drop pref.a_by_k or make it partial (WHERE k IS NOT NULL)"), step.warning());
        // the server matches on every usable unique index, so the NULL-key rows churn anyway ...
        assertEquals(25L, rowsRewrittenByConcurrentRefresh(db, "pref.mv"));
        // ... until the nullable index no longer qualifies
        db.execute("DROP INDEX pref.a_by_k; CREATE UNIQUE INDEX a_by_k ON pref.mv (k) WHERE k IS NOT NULL");
        assertNull(plan(db, "pref.mv").get(0).warning());
        assertEquals(0L, rowsRewrittenByConcurrentRefresh(db, "pref.mv"));
    }

    @Test
    void anUnpopulatedViewWithAnInvalidIndexIsPlannedPlainBecauseThatRefreshRepairsTheIndex(TestDatabase db)
            throws SQLException {
        db.execute("""
                CREATE SCHEMA repair;
                CREATE TABLE repair.src (id int PRIMARY KEY);
                INSERT INTO repair.src SELECT generate_series(1, 20);
                CREATE MATERIALIZED VIEW repair.mv AS SELECT id FROM repair.src WITH NO DATA;
                CREATE UNIQUE INDEX mv_id ON repair.mv (id);
                UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'repair.mv_id'::regclass;
                """);

        Step step = plan(db, "repair.mv").get(0);
        assertMode(step, "plain", "plain:unpopulated", null);
        assertTrue(step.warning().contains("index repair.mv_id is invalid"), step.warning());

        db.execute("REFRESH MATERIALIZED VIEW " + step.matview());
        assertEquals(true, db.queryValue(Boolean.class, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'repair.mv_id'::regclass"));
        assertMode(plan(db, "repair.mv").get(0), "concurrently", "concurrently", "repair.mv_id");
    }

    @Test
    void levelsFollowMatviewDependenciesThroughPlainViewsAndDeclaredEdges(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA lvl;
                CREATE TABLE lvl.t (id int PRIMARY KEY);
                CREATE MATERIALIZED VIEW lvl.a AS SELECT id FROM lvl.t;
                CREATE MATERIALIZED VIEW lvl.b AS SELECT id FROM lvl.t;
                CREATE VIEW lvl.ab AS SELECT a.id FROM lvl.a JOIN lvl.b USING (id);
                CREATE MATERIALIZED VIEW lvl.c AS SELECT id FROM lvl.ab;
                CREATE MATERIALIZED VIEW lvl.e AS SELECT id FROM lvl.a;
                CREATE MATERIALIZED VIEW lvl.d AS SELECT c.id FROM lvl.c JOIN lvl.e USING (id);
                """);

        List<Step> plan = plan(db, "lvl.d");
        assertEquals(List.of("1 0 lvl.a []", "2 0 lvl.b []", "3 1 lvl.c [lvl.a, lvl.b]", "4 1 lvl.e [lvl.a]",
                        "5 2 lvl.d [lvl.c, lvl.e]"),
                plan.stream().map(s -> s.step() + " " + s.level() + " " + s.matview() + " " + s.dependsOn()).toList(),
                "the target is planned, the plain view lvl.ab is looked through; a and b may run in parallel, then c and e");

        // b secretly reads e (say, inside a function): b now waits for e, and c for b
        db.execute("SELECT audit.declare_dependency('lvl.b', 'lvl.e', 'reads lvl.e in a function')");
        assertEquals(List.of("1 0 lvl.a []", "2 1 lvl.e [lvl.a]", "3 2 lvl.b [lvl.e]", "4 3 lvl.c [lvl.a, lvl.b]",
                        "5 4 lvl.d [lvl.c, lvl.e]"),
                plan(db, "lvl.d").stream().map(s -> s.step() + " " + s.level() + " " + s.matview() + " " + s.dependsOn()).toList());
    }

    @Test
    void hostileNamesArePlannedWithCanonicalNamesThatRefreshAsIs(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA "Sch ëma""; x";
                CREATE TABLE "Sch ëma""; x".src (id int PRIMARY KEY);
                INSERT INTO "Sch ëma""; x".src SELECT generate_series(1, 10);
                CREATE MATERIALIZED VIEW "Sch ëma""; x"."my ""view""; drop" AS SELECT id FROM "Sch ëma""; x".src;
                CREATE UNIQUE INDEX "Ünique ""id""\" ON "Sch ëma""; x"."my ""view""; drop" (id);
                """);

        Step step = plan(db, "\"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\"").get(0);

        assertEquals("\"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\"", step.matview());
        assertMode(step, "concurrently", "concurrently", "\"Sch ëma\"\"; x\".\"Ünique \"\"id\"\"\"");
        db.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + step.matview());
        assertEquals(10L, db.queryValue(Long.class, "SELECT count(*) FROM \"Sch ëma\"\"; x\".\"my \"\"view\"\"; drop\""));
    }

    @Test
    void tablesReadThroughPlainViewsOnlyAreWarnedAboutOnTheLastStepBecauseNoRefreshPinsThem(TestDatabase db)
            throws SQLException {
        db.execute("""
                CREATE SCHEMA live;
                CREATE TABLE live.prices (id int PRIMARY KEY, price int);
                CREATE TABLE live.fx (day date PRIMARY KEY, rate numeric);
                CREATE TABLE live.snapshotted (id int PRIMARY KEY);
                INSERT INTO live.prices VALUES (1, 10);
                INSERT INTO live.snapshotted VALUES (1);
                CREATE MATERIALIZED VIEW live.ids AS SELECT id FROM live.snapshotted;
                CREATE UNIQUE INDEX ids_id ON live.ids (id);
                CREATE MATERIALIZED VIEW live.ids2 AS SELECT id FROM live.ids;
                CREATE VIEW live.priced AS SELECT p.id, p.price FROM live.prices p JOIN live.ids USING (id);
                CREATE VIEW live.top AS SELECT priced.id, priced.price, (SELECT max(rate) FROM live.fx) AS rate
                                          FROM live.priced JOIN live.ids2 USING (id);
                ANALYZE live.ids;
                """);

        List<Step> plan = plan(db, "live.top");

        assertEquals(List.of("live.ids", "live.ids2"), plan.stream().map(Step::matview).toList());
        assertNull(plan.get(0).warning(), "only the last step carries it");
        String warning = plan.get(1).warning();
        assertTrue(warning.contains("live inputs of live.top (read through plain views only, no materialized view in between): "
                + "live.fx (table, read by live.top); live.prices (table, read by live.priced)."), warning);
        assertTrue(warning.contains("Their rows change without any refresh"), warning);
        assertFalse(warning.contains("live.snapshotted"), "read through live.ids, a snapshot: " + warning);
        // what the warning says: a reader of the target sees a new price with nothing refreshed
        db.execute("UPDATE live.prices SET price = 11 WHERE id = 1");
        assertEquals(11, db.queryValue(Integer.class, "SELECT price FROM live.top WHERE id = 1"));

        assertNull(plan(db, "live.ids2").get(1).warning(), "a materialized view target has no live inputs");
        db.execute("CREATE OR REPLACE VIEW live.priced AS SELECT id, 0 AS price FROM live.ids");
        db.execute("CREATE OR REPLACE VIEW live.top AS SELECT priced.id, priced.price, 0::numeric AS rate "
                + "FROM live.priced JOIN live.ids2 USING (id)");
        assertNull(plan(db, "live.top").get(1).warning(), "no live input left");
    }

    @Test
    void aPlainViewWithoutMatviewsBelowHasAnEmptyPlan(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA flat;
                CREATE TABLE flat.t (id int);
                CREATE VIEW flat.v AS SELECT id FROM flat.t;
                """);
        assertEquals(List.of(), plan(db, "flat.v"));
    }

    /**
     * Every row's mode agrees with what REFRESH ... CONCURRENTLY does (tried, then rolled back),
     * and a refusal is the one the reason predicts: 0A000 for an unpopulated view, 55000 when no
     * usable unique index exists.
     */
    private static void assertPlanMatchesServer(TestDatabase db, Iterable<Step> plan) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (Step step : plan) {
                String refusal = null;
                s.execute("SAVEPOINT try_refresh");
                try {
                    s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + step.matview());
                } catch (SQLException e) {
                    refusal = e.getSQLState() + " " + e.getMessage();
                }
                s.execute("ROLLBACK TO SAVEPOINT try_refresh");
                String expected = switch (step.reason()) {
                    case "concurrently" -> null;
                    case "plain:unpopulated" -> "0A000";
                    default -> "55000";
                };
                assertEquals(expected, refusal == null ? null : refusal.substring(0, 5),
                        step.matview() + " planned " + step.reason() + ", the server answered " + refusal);
            }
            c.rollback();
        }
    }

    /** Rows whose physical location changes in one REFRESH ... CONCURRENTLY. */
    private static long rowsRewrittenByConcurrentRefresh(TestDatabase db, String matview) {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE before AS SELECT id, ctid::text AS loc FROM " + matview);
            s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " + matview);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM before b JOIN " + matview
                    + " m USING (id) WHERE m.ctid::text <> b.loc")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertMode(Step step, String mode, String reason, String uniqueIndex) {
        assertEquals(mode + " " + reason + " " + uniqueIndex, step.mode() + " " + step.reason() + " " + step.uniqueIndex(),
                step.matview() + ": " + step.detail());
    }

    private static Map<String, Step> byName(List<Step> plan) {
        return plan.stream().collect(Collectors.toMap(Step::matview, Function.identity()));
    }

    static List<Step> plan(TestDatabase db, String target) throws SQLException {
        List<Step> steps = new ArrayList<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT step, level, matview, mode, reason, unique_index, depends_on, warning, detail
                       FROM audit.refresh_plan(?::regclass) ORDER BY step""")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array dependsOn = rs.getArray(7);
                    steps.add(new Step(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), Arrays.asList((String[]) dependsOn.getArray()), rs.getString(8),
                            rs.getString(9)));
                }
            }
        }
        return steps;
    }
}

package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * time_of_query_token on real PostgreSQL: each class of time-of-query read is flagged on the
 * right object with the path from the target, and look-alikes stay clean. Every target is a
 * plain view over table tq.listing, registered without baseline; only this check's results
 * are looked at.
 */
@ExtendWith(PostgresExtension.class)
class TimeOfQueryIT {

    private final TestDatabase db;

    TimeOfQueryIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void freshSchema() {
        db.execute("""
                DROP SCHEMA IF EXISTS tq CASCADE;
                DELETE FROM audit.target; DELETE FROM audit.analysis_exemption;
                CREATE SCHEMA tq;
                CREATE TABLE tq.listing (listing_id int PRIMARY KEY, anchor_day date NOT NULL, status text,
                                         price numeric, now_price numeric, listed_at timestamp, opens timetz);
                """);
    }

    // --- 1. built-ins that read the clock in their own body, and clock aliases ----------------

    @Test
    void oneArgumentAgeReadsCurrentDateInsideItsBodyAndIsFlaggedWhereItIsCalled() throws SQLException {
        view("tq.age_v", "SELECT listing_id, age(listed_at) AS listed_for, age(anchor_day::timestamptz) AS tz_age FROM tq.listing");
        CheckResult age = result("tq.age_v", "tq.age_v");
        assertFalse(age.passed());
        assertTrue(age.detail().contains("view tq.age_v uses pg_catalog.age(timestamp without time zone) (its body reads CURRENT_DATE)"),
                age.detail());
        assertTrue(age.detail().contains("pg_catalog.age(timestamp with time zone) (its body reads CURRENT_DATE)"), age.detail());
    }

    @Test
    void twoArgumentAgeDateTruncAndCastsAreClean() throws SQLException {
        view("tq.clean_v", """
                SELECT listing_id, age(listed_at, timestamp '2024-01-01') AS since_launch, date_trunc('day', listed_at) AS day,
                       date_trunc('month', anchor_day) AS month, anchor_day::timestamptz AS anchor_ts, extract(dow FROM anchor_day) AS dow
                  FROM tq.listing""");
        assertTrue(result("tq.clean_v", "tq.clean_v").passed(), result("tq.clean_v", "tq.clean_v").detail());
    }

    @Test
    void clockAliasesAreCaughtByTheirCSymbol() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.wrapped_clock() RETURNS timestamptz LANGUAGE internal STABLE AS 'now';
                CREATE FUNCTION tq.plain_length(text) RETURNS integer LANGUAGE internal IMMUTABLE AS 'textlen';
                """);
        view("tq.alias_v", "SELECT listing_id, transaction_timestamp() AS t, statement_timestamp() AS s, tq.wrapped_clock() AS w,"
                + " tq.plain_length(status) AS n FROM tq.listing");
        CheckResult v = result("tq.alias_v", "tq.alias_v");
        assertTrue(v.detail().contains("uses transaction_timestamp(), statement_timestamp()"), v.detail());
        CheckResult wrapped = result("tq.alias_v", "tq.wrapped_clock()");
        assertTrue(wrapped.detail().contains("tq.alias_v -> tq.wrapped_clock() uses C function now, which reads the clock"),
                wrapped.detail());
        assertTrue(result("tq.alias_v", "tq.plain_length(text)").passed());
    }

    // --- 2. date/time strings converted at run time -----------------------------------------

    @Test
    void aTextConstantConvertedToADateWhenTheViewRunsIsFlaggedAFrozenOneIsNot() throws SQLException {
        view("tq.text_now_v", """
                SELECT listing_id, ('now'::text)::timestamptz AS loaded_at, (' Tomorrow '::varchar)::date AS due,
                       'now'::date AS frozen_day, date 'today' AS frozen_too, 'epoch'::date AS epoch,
                       'infinity'::timestamptz AS open_end, ('2024-01-01'::text)::date AS fixed
                  FROM tq.listing""");
        CheckResult v = result("tq.text_now_v", "tq.text_now_v");
        assertFalse(v.passed());
        assertTrue(v.detail().contains("'now' converted to timestamp with time zone at run time, 'Tomorrow' converted to date at run time"),
                v.detail());
        assertFalse(v.detail().contains("epoch") || v.detail().contains("2024") || v.detail().contains("infinity"), v.detail());
    }

    @Test
    void specialStringsInFunctionBodiesBecomeDatesAtEveryCallExplicitlyOrImplicitly() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.recent(p_day date) RETURNS boolean LANGUAGE sql STABLE AS $$
                  SELECT p_day > 'today'          -- implicit: the parameter is a date
                     AND p_day < 'TODAY 12:00'::timestamp
                $$;
                CREATE FUNCTION tq.window_end(p_day date) RETURNS timestamp LANGUAGE plpgsql STABLE AS $$
                DECLARE
                  v_end timestamp := 'tomorrow allballs';
                BEGIN
                  IF p_day < 'yesterday' THEN RETURN NULL; END IF;
                  RETURN v_end;
                END $$;
                """);
        view("tq.strings_v", "SELECT listing_id FROM tq.listing WHERE tq.recent(anchor_day) AND tq.window_end(anchor_day) IS NOT NULL");
        CheckResult recent = result("tq.strings_v", "tq.recent(p_day date)");
        assertTrue(recent.detail().contains("'today' as a date/time value (date) at line 2, 'TODAY 12:00' as a date/time value"
                + " (timestamp without time zone) at line 3"), recent.detail());
        CheckResult end = result("tq.strings_v", "tq.window_end(p_day date)");
        assertTrue(end.detail().contains("'tomorrow allballs' as a date/time value (timestamp without time zone) at line 3"),
                end.detail());
        assertTrue(end.detail().contains("'yesterday' as a date/time value (date) at line 5"), end.detail());
        assertTrue(end.detail().startsWith("function tq.strings_v -> tq.window_end(p_day date) uses"), end.detail());
    }

    @Test
    void bodiesOfFunctionsWithOutInoutTableAndVariadicParametersAreParsed() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.shape(p date, OUT a int, INOUT b date) LANGUAGE sql STABLE AS $$
                  SELECT 1, b + (p - 'today'::date) $$;
                CREATE FUNCTION tq.days(VARIADIC p date[]) RETURNS TABLE (d date, n int) LANGUAGE sql STABLE AS $$
                  SELECT x, 1 FROM unnest(p) AS x WHERE x > 'yesterday' $$;
                """);
        view("tq.shapes_v", "SELECT listing_id, (tq.shape(anchor_day, anchor_day)).a,"
                + " (SELECT count(*) FROM tq.days(anchor_day, anchor_day)) AS n FROM tq.listing");
        CheckResult shape = result("tq.shapes_v", "tq.shape(p date, OUT a integer, INOUT b date)");
        assertTrue(shape.detail().contains("uses 'today' as a date/time value (date) at line 2"), shape.detail());
        CheckResult days = result("tq.shapes_v", "tq.days(VARIADIC p date[])");
        assertTrue(days.detail().contains("uses 'yesterday' as a date/time value (date) at line 2"), days.detail());
    }

    @Test
    void aSpecialStringComparedWithTextIsText() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.is_current(p_status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                  SELECT p_status = 'now' OR p_status IN ('today', 'tomorrow')
                $$;
                CREATE FUNCTION tq.label(p_status text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
                DECLARE
                  v_label text := 'now';
                BEGIN
                  IF p_status = 'today' THEN RETURN 'yesterday'; END IF;
                  CASE p_status WHEN 'now' THEN v_label := 'tomorrow'; ELSE NULL; END CASE;
                  RETURN v_label;
                END $$;
                """);
        view("tq.status_v", "SELECT listing_id, tq.label(status) FROM tq.listing WHERE tq.is_current(status) AND status <> 'now'");
        Map<String, CheckResult> results = results("tq.status_v");
        results.values().forEach(r -> assertTrue(r.passed(), r.object() + ": " + r.detail()));
        assertEquals(3, results.size(), results.keySet().toString());
    }

    // --- 3. parameter defaults a call takes ----------------------------------------------------

    @Test
    void aDefaultThatReadsTheClockIsFlaggedOnTheCallThatLeavesItOut() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.days_before(p_day date, asof date DEFAULT current_date) RETURNS integer
                  LANGUAGE sql IMMUTABLE AS 'SELECT asof - p_day';
                CREATE FUNCTION tq.stamp(p_id int, p_at timestamptz DEFAULT now()) RETURNS text
                  LANGUAGE sql IMMUTABLE AS 'SELECT p_id || ''@'' || p_at';
                """);
        view("tq.default_v", "SELECT listing_id, tq.days_before(anchor_day) AS d1, tq.days_before(p_day => anchor_day) AS d2,"
                + " tq.stamp(listing_id) AS s FROM tq.listing");
        CheckResult v = result("tq.default_v", "tq.default_v");
        assertTrue(v.detail().contains("tq.days_before(p_day date, asof date) without argument asof, whose default CURRENT_DATE is evaluated"
                + " at run time"), v.detail());
        assertTrue(v.detail().contains("now() (the default of p_at of tq.stamp(p_id integer, p_at timestamp with time zone), which the call"
                + " leaves out)"), v.detail());
        // the functions themselves read no clock
        assertTrue(result("tq.default_v", "tq.days_before(p_day date, asof date)").passed());
        assertTrue(result("tq.default_v", "tq.stamp(p_id integer, p_at timestamp with time zone)").passed());
    }

    @Test
    void aCallThatPassesTheArgumentTakesNoDefault() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.days_before(p_day date, asof date DEFAULT current_date) RETURNS integer
                  LANGUAGE sql IMMUTABLE AS 'SELECT asof - p_day';
                CREATE FUNCTION tq.caller(p_day date) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
                BEGIN
                  RETURN tq.days_before(p_day, date '2024-06-01') + tq.days_before(asof => p_day, p_day => p_day);
                END $$;
                """);
        view("tq.passes_v", "SELECT listing_id, tq.days_before(anchor_day, date '2024-06-01'), tq.caller(anchor_day) FROM tq.listing");
        results("tq.passes_v").values().forEach(r -> assertTrue(r.passed(), r.object() + ": " + r.detail()));
    }

    // --- 4. calls followed through SQL, PL/pgSQL and BEGIN ATOMIC bodies --------------------

    @Test
    void callsAreFollowedTransitivelyThroughEveryKindOfBodyWithThePath() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.leaf() RETURNS date LANGUAGE plpgsql STABLE AS $$
                BEGIN
                  -- a comment mentioning now() and a string 'now()' are not reads
                  PERFORM 'now()';
                  RETURN localtimestamp::date;
                END $$;
                """);
        // pgjdbc would split a BEGIN ATOMIC body at its semicolon: one statement on its own
        db.execute("CREATE FUNCTION tq.atomic_mid() RETURNS date LANGUAGE sql STABLE BEGIN ATOMIC SELECT tq.leaf(); END");
        db.execute("""
                CREATE FUNCTION tq.plpgsql_mid() RETURNS date LANGUAGE plpgsql STABLE AS $$
                DECLARE v date;
                BEGIN
                  SELECT tq.atomic_mid() INTO v;
                  RETURN v;
                END $$;
                CREATE FUNCTION tq.top() RETURNS date LANGUAGE sql STABLE AS 'SELECT tq.plpgsql_mid()';
                """);
        view("tq.chain_v", "SELECT listing_id FROM tq.listing WHERE anchor_day <= tq.top()");
        CheckResult leaf = result("tq.chain_v", "tq.leaf()");
        assertTrue(leaf.detail().startsWith("function tq.chain_v -> tq.top() -> tq.plpgsql_mid() -> tq.atomic_mid() -> tq.leaf()"
                + " (called by tq.atomic_mid()) uses LOCALTIMESTAMP at line 5"), leaf.detail());
        for (String clean : new String[] {"tq.chain_v", "tq.top()", "tq.plpgsql_mid()", "tq.atomic_mid()"}) {
            assertTrue(result("tq.chain_v", clean).passed(), clean);
        }
    }

    // --- 5. AT TIME ZONE on a time with time zone --------------------------------------------

    @Test
    void timetzAtTimeZoneDependsOnTheDateButTimestamptzAtTimeZoneDoesNot() throws SQLException {
        view("tq.zone_v", "SELECT listing_id, opens AT TIME ZONE 'Europe/Berlin' AS opens_berlin, listed_at::time::timetz AS local_opens,"
                + " anchor_day::timestamptz AT TIME ZONE 'Europe/Berlin' AS anchor_berlin FROM tq.listing");
        CheckResult v = result("tq.zone_v", "tq.zone_v");
        assertTrue(v.detail().contains("pg_catalog.timezone(text, time with time zone) (its result depends on the current date"),
                v.detail());
        // a time becomes a time with time zone at today's offset too
        assertTrue(v.detail().contains("pg_catalog.timetz(time without time zone) (its result depends on the current date"),
                v.detail());
        assertFalse(v.detail().contains("timestamp with time zone)"), v.detail());
    }

    // --- 6. overloads: exactly the one PostgreSQL resolved ------------------------------------

    @Test
    void onlyTheOverloadPostgresqlResolvedIsFollowedAndNamedInThePath() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.day_of(p date) RETURNS date LANGUAGE sql IMMUTABLE AS 'SELECT p';
                CREATE FUNCTION tq.day_of(p text) RETURNS date LANGUAGE sql STABLE AS 'SELECT now()::date';
                CREATE FUNCTION tq.pick(p integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT p';
                CREATE FUNCTION tq.pick(p numeric) RETURNS integer LANGUAGE sql STABLE AS 'SELECT extract(day FROM now())::int';
                CREATE FUNCTION tq.uses_pick(p integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
                BEGIN RETURN tq.pick(p + 1); END $$;
                """);
        view("tq.date_overload_v", "SELECT listing_id, tq.day_of(anchor_day), tq.uses_pick(listing_id) FROM tq.listing");
        Map<String, CheckResult> clean = results("tq.date_overload_v");
        clean.values().forEach(r -> assertTrue(r.passed(), r.object() + ": " + r.detail()));
        assertFalse(clean.containsKey("tq.day_of(p text)") || clean.containsKey("tq.pick(p numeric)"), clean.keySet().toString());
        assertTrue(clean.containsKey("tq.pick(p integer)"), clean.keySet().toString());

        view("tq.text_overload_v", "SELECT listing_id, tq.day_of(status) FROM tq.listing");
        CheckResult text = result("tq.text_overload_v", "tq.day_of(p text)");
        assertTrue(text.detail().startsWith("function tq.text_overload_v -> tq.day_of(p text) uses now() at line 1"), text.detail());
        assertNull(results("tq.text_overload_v").get("tq.day_of(p date)"));
    }

    @Test
    void aPolymorphicFunctionIsReadAtTheTypesOfEachCall() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.after_today(p anyelement) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT p > ''today''';
                """);
        view("tq.poly_text_v", "SELECT listing_id FROM tq.listing WHERE tq.after_today(status) AND 'x' || listing_id <> ''");
        results("tq.poly_text_v").values().forEach(r -> assertTrue(r.passed(), r.object() + ": " + r.detail()));
        view("tq.poly_date_v", "SELECT listing_id FROM tq.listing WHERE tq.after_today(anchor_day)");
        CheckResult date = result("tq.poly_date_v", "tq.after_today(p anyelement)");
        assertTrue(date.detail().contains("'today' as a date/time value (date) at line 1"), date.detail());
    }

    // --- look-alikes ---------------------------------------------------------------------------

    @Test
    void lookAlikesStayClean() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.note(p_price numeric) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
                DECLARE
                  now_price numeric := p_price;  -- now() in a comment
                BEGIN
                  /* CURRENT_DATE in a block comment */
                  RETURN 'price as of now(): ' || now_price || E' \\'today\\'' || $q$ SELECT now() $q$;
                END $$;
                """);
        view("tq.lookalike_v", """
                SELECT listing_id, now_price, 'now()'::text AS note, CURRENT_USER AS who, session_user AS session,
                       date_trunc('day', anchor_day) AS day, 'epoch'::date AS epoch, 'infinity'::timestamp AS open_end,
                       tq.note(now_price) AS price_note, "now_price" * 2 AS doubled
                  FROM tq.listing WHERE status <> 'today' -- now() in a view comment is gone from the tree anyway
                """);
        Map<String, CheckResult> results = results("tq.lookalike_v");
        results.values().forEach(r -> assertTrue(r.passed(), r.object() + ": " + r.detail()));
        assertEquals(2, results.size(), results.keySet().toString());
    }

    // --- not analysable: fail closed, exemptions --------------------------------------------

    @Test
    void dynamicSqlFailsClosedAnExemptionCoversExactlyThatBodyAndAChangedBodyFailsAgain() throws SQLException {
        String body = """
                CREATE OR REPLACE FUNCTION tq.dynamic_count(p_table text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
                DECLARE v bigint;
                BEGIN
                  EXECUTE format('SELECT count(*) FROM %I', p_table) INTO v;
                  RETURN v;
                END $$""";
        db.execute(body);
        view("tq.dynamic_v", "SELECT listing_id, tq.dynamic_count('listing') FROM tq.listing");
        CheckResult failed = result("tq.dynamic_v", "tq.dynamic_count(p_table text)");
        assertFalse(failed.passed());
        assertTrue(failed.detail().contains("cannot be analysed for time-of-query reads: it runs dynamic SQL (EXECUTE at line 4)"),
                failed.detail());
        assertTrue(failed.detail().contains("SELECT audit.exempt_function('tq.dynamic_count(text)', 'reviewed: "), failed.detail());

        db.execute("SELECT audit.exempt_function('tq.dynamic_count(text)', 'reviewed: counts the rows of a named table')");
        CheckResult exempted = result("tq.dynamic_v", "tq.dynamic_count(p_table text)");
        assertTrue(exempted.passed(), exempted.detail());
        assertTrue(exempted.detail().contains("exempted after review by") && exempted.detail().contains("counts the rows"),
                exempted.detail());

        db.execute(body.replace("RETURN v;", "RETURN v + 0;"));
        CheckResult changed = result("tq.dynamic_v", "tq.dynamic_count(p_table text)");
        assertFalse(changed.passed());
        assertTrue(changed.detail().contains("Its body changed since the exemption of ") && changed.detail().contains(" UTC by "),
                changed.detail());

        db.execute("SELECT audit.exempt_function('tq.dynamic_count(text)', 'reviewed again: still only counts')");
        assertTrue(result("tq.dynamic_v", "tq.dynamic_count(p_table text)").passed());
        assertEquals(List.of("superseded", "current"), db.queryColumn(
                "SELECT COALESCE(end_reason, 'current') FROM audit.analysis_exemption ORDER BY exemption_id"));
        db.execute("SELECT audit.revoke_exemption('tq.dynamic_count(text)')");
        assertFalse(result("tq.dynamic_v", "tq.dynamic_count(p_table text)").passed());
    }

    @Test
    void otherLanguagesAndCFunctionsFailClosedEvenWhenTheirTextLooksHarmless() throws SQLException {
        db.execute("""
                CREATE LANGUAGE tq_plsample HANDLER plpgsql_call_handler;
                CREATE FUNCTION tq.other_language() RETURNS integer LANGUAGE tq_plsample STABLE AS $$ BEGIN RETURN 1; END $$;
                CREATE FUNCTION tq.c_function() RETURNS integer LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_validator';
                """);
        view("tq.opaque_v", "SELECT listing_id, tq.other_language(), tq.c_function() FROM tq.listing");
        CheckResult other = result("tq.opaque_v", "tq.other_language()");
        assertFalse(other.passed());
        assertTrue(other.detail().contains("its body is in language tq_plsample, which cannot be read"), other.detail());
        CheckResult c = result("tq.opaque_v", "tq.c_function()");
        assertFalse(c.passed());
        assertTrue(c.detail().contains("it is a C function ($libdir/plpgsql, symbol plpgsql_validator)"), c.detail());
        db.execute("DROP LANGUAGE tq_plsample CASCADE");
    }

    @Test
    void aSystemFunctionThatCannotBeReadFailsWhereItIsCalled() throws SQLException {
        // what an extension installed into pg_catalog may look like
        db.execute("""
                CREATE FUNCTION pg_catalog.tq_ext_count(p_table text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
                DECLARE v bigint;
                BEGIN EXECUTE 'SELECT count(*) FROM ' || p_table INTO v; RETURN v; END $$;
                """);
        try {
            view("tq.ext_v", "SELECT listing_id, pg_catalog.tq_ext_count('tq.listing') FROM tq.listing");
            CheckResult v = result("tq.ext_v", "tq.ext_v");
            assertFalse(v.passed());
            assertTrue(v.detail().contains("pg_catalog.tq_ext_count(p_table text) (it cannot be analysed: it runs dynamic SQL"),
                    v.detail());
        } finally {
            db.execute("DROP VIEW IF EXISTS tq.ext_v; DROP FUNCTION pg_catalog.tq_ext_count(text)");
        }
    }

    @Test
    void aBodyThatWouldEndTheProbeEarlyIsRefusedAndItsExtraStatementNeverRuns() throws SQLException {
        db.execute("""
                SET check_function_bodies = off;
                CREATE FUNCTION tq.breakout() RETURNS integer LANGUAGE sql AS $$
                  SELECT 1; END; DROP TABLE tq.listing CASCADE; CREATE FUNCTION pg_temp.x() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1
                $$;
                """);
        view("tq.breakout_v", "SELECT listing_id, tq.breakout() FROM tq.listing");
        CheckResult breakout = result("tq.breakout_v", "tq.breakout()");
        assertFalse(breakout.passed());
        assertTrue(breakout.detail().contains("its body cannot be parsed: the body is not a list of statements"), breakout.detail());
        assertEquals(1, db.queryValue(Integer.class, "SELECT count(*)::int FROM pg_class WHERE oid = 'tq.listing'::regclass"));
    }

    @Test
    void plpgsqlStatementsPostgresqlCannotParseAreReadByTheTokenizerInDoubt() throws SQLException {
        db.execute("""
                CREATE FUNCTION tq.loop_check() RETURNS integer LANGUAGE plpgsql STABLE AS $$
                DECLARE
                  r record;
                  n integer := 0;
                BEGIN
                  FOR r IN SELECT anchor_day FROM tq.listing LOOP
                    IF r.anchor_day > 'today' THEN n := n + 1; END IF;
                  END LOOP;
                  RETURN n;
                END $$;
                """);
        view("tq.record_v", "SELECT listing_id, tq.loop_check() FROM tq.listing");
        CheckResult loop = result("tq.record_v", "tq.loop_check()");
        assertFalse(loop.passed());
        assertTrue(loop.detail().contains("'today' (in SQL PostgreSQL could not parse here, so it may become a date/time value)"
                + " at line 7"), loop.detail());
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void view(String name, String query) {
        db.execute("CREATE VIEW " + name + " AS " + query + ";\nSELECT audit.register_target('" + name + "')");
    }

    /** The time_of_query_token results of a certification of target, by object. */
    private Map<String, CheckResult> results(String target) throws SQLException {
        CertificationResult certification;
        try (Connection c = db.connect()) {
            certification = new Mvcert(c).certify(target, null);
        }
        Map<String, CheckResult> results = new LinkedHashMap<>();
        for (CheckResult r : certification.results()) {
            if (r.check().equals(TimeOfQueryTokenCheck.NAME)) {
                assertNull(results.put(r.object(), r), "two results for " + r.object());
            }
        }
        return results;
    }

    private CheckResult result(String target, String object) throws SQLException {
        Map<String, CheckResult> results = results(target);
        CheckResult r = results.get(object);
        if (r == null) {
            throw new AssertionError("no time_of_query_token result for " + object + " in " + results);
        }
        return r;
    }
}

package dev.mvcert.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;

/**
 * Hostile and wrong input to every public SQL function and procedure of schema audit: each is
 * refused with an error whose SQLSTATE says what kind of mistake it is and whose message names
 * the bad value, and nothing changes: every audit table (and pg_cron's job table, and the set
 * of relations) is compared before and after. Identifiers that are odd but valid (quotes,
 * semicolons, SQL fragments, unicode) work like any other name.
 */
@ExtendWith(PostgresExtension.class)
class BadInputIT {

    /** A view whose name is a SQL fragment: valid, so mvcert must handle it like any other. */
    static final String WEIRD_VIEW = "\"we ird\".\"x\"\"; DROP TABLE bad.victim; --\"";
    static final String UNICODE_VIEW = "bad.\"données_été_✓\"";

    /** Ids the fixture creates, substituted for {placeholders} in the cases. */
    private static final Map<String, String> IDS = new HashMap<>();

    enum Where { TARGET_DB, CRON_DB }

    /** One bad input: where it runs, the statement, the SQLSTATE (5 chars) or class (2 chars), what the message must name. */
    record Case(String name, Where where, String sql, String sqlState, String mustName) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, String sql, String sqlState, String mustName) {
        return new Case(name, Where.TARGET_DB, sql, sqlState, mustName);
    }

    private static Case cron(String name, String sql, String sqlState, String mustName) {
        return new Case(name, Where.CRON_DB, sql, sqlState, mustName);
    }

    static Stream<Case> corpus() {
        return Stream.of(
                // gates
                c("require_certified: NULL target", "SELECT audit.require_certified(NULL, interval '1 day')", "22004", "target must not be NULL"),
                c("require_certified: NULL max_age", "SELECT audit.require_certified('bad.features_v', NULL)", "22004", "max_age"),
                c("require_certified: unknown view name", "SELECT audit.require_certified('bad.no_such_v', interval '1 day')", "42P01", "bad.no_such_v"),
                c("require_certified: SQL fragment is not a regclass", "SELECT audit.require_certified('bad.features_v; DROP TABLE bad.victim', interval '1 day')", "42602", "invalid name syntax"),
                c("require_certified: dropped oid", "SELECT audit.require_certified(987654321::oid::regclass, interval '1 day')", "42P01", "987654321"),
                c("require_certified: negative max_age", "SELECT audit.require_certified('bad.features_v', interval '-1 hour')", "22023", "-01:00:00"),
                c("require_certified: zero max_age", "SELECT audit.require_certified('bad.features_v', interval '0')", "22023", "00:00:00"),
                c("require_certified: nonsense interval", "SELECT audit.require_certified('bad.features_v', '1 fortnight')", "22007", "1 fortnight"),
                c("require_certified: a table", "SELECT audit.require_certified('bad.base', interval '1 day')", "MVC01", "bad.base"),
                c("require_certified: unregistered view", "SELECT audit.require_certified('bad.unregistered_v', interval '1 day')", "MVC01", "bad.unregistered_v"),
                c("require_certified: SQL-fragment view never certified", "SELECT audit.require_certified('" + WEIRD_VIEW.replace("'", "''") + "', interval '1 day')", "MVC02", WEIRD_VIEW),
                c("require_certified: unicode view never certified", "SELECT audit.require_certified('" + UNICODE_VIEW + "', interval '1 day')", "MVC02", "données_été_✓"),
                c("require_certified_strict: NULL max_age", "SELECT audit.require_certified_strict('bad.features_v', NULL)", "22004", "max_age"),
                // targets
                c("register_target: a table", "SELECT audit.register_target('bad.base')", "42809", "bad.base"),
                c("register_target: a sequence", "SELECT audit.register_target('bad.seq')", "42809", "bad.seq"),
                c("register_target: an index", "SELECT audit.register_target('bad.base_mv_id')", "42809", "bad.base_mv_id"),
                c("register_target: NULL", "SELECT audit.register_target(NULL)", "22004", "target must not be NULL"),
                c("register_target: a system view", "SELECT audit.register_target('pg_catalog.pg_stat_activity')", "42809", "pg_catalog.pg_stat_activity is a system view"),
                c("register_target: an information_schema view", "SELECT audit.register_target('information_schema.tables')", "42809", "information_schema.tables is a system view"),
                c("register_target: a catalog table", "SELECT audit.register_target('pg_catalog.pg_class')", "42809", "pg_catalog.pg_class is a table"),
                c("target as text: empty", "SELECT audit._require_view('')", "42602", "target \"\" is not a name: it is empty"),
                c("target as text: blank", "SELECT audit._require_view(' \t ')", "42602", "target \" \t \" is not a name: it is blank"),
                c("target as text: SQL fragment", "SELECT audit._require_view('bad.features_v; DROP TABLE bad.victim')", "42602", "\"bad.features_v; DROP TABLE bad.victim\""),
                c("target as text: unknown schema", "SELECT audit._require_view('nope.nothing')", "3F000", "\"nope.nothing\""),
                c("target as text: unknown view", "SELECT audit._require_view('bad.no_such_v')", "42P01", "\"bad.no_such_v\" does not exist"),
                c("target as text: a system view", "SELECT audit._require_view('pg_catalog.pg_settings')", "42809", "pg_catalog.pg_settings is a system view"),
                c("register_target: negative max_age", "SELECT audit.register_target('bad.features_v', p_max_age => interval '-5 minutes')", "22023", "-00:05:00"),
                c("register_target: negative statement_timeout", "SELECT audit.register_target('bad.features_v', p_statement_timeout => interval '-1 second')", "22023", "-00:00:01"),
                c("register_target: statement_timeout beyond what PostgreSQL can set", "SELECT audit.register_target('bad.features_v', p_statement_timeout => interval '100 years')", "22023", "100 years"),
                c("register_target: lock_timeout beyond what PostgreSQL can set", "SELECT audit.register_target('bad.features_v', p_lock_timeout => interval '30 days')", "22023", "30 days"),
                c("register_target: day column that is a SQL fragment", "SELECT audit.register_target('bad.features_v', p_day_column => 'day; DROP TABLE bad.victim')", "42703", "day; DROP TABLE bad.victim"),
                c("declare_dependency: cycle", "SELECT audit.declare_dependency('bad.base_mv', 'bad.features_v')", "42P19", "bad.base_mv -> bad.features_v"),
                c("declare_dependency: cycle names what each edge is", "SELECT audit.declare_dependency('bad.base_mv', 'bad.features_v')", "42P19",
                        "(bad.base_mv -> bad.features_v: declared dependency; bad.features_v -> bad.base_mv: view reads materialized view)"),
                c("declare_dependency: a system view as dependent", "SELECT audit.declare_dependency('pg_catalog.pg_stat_activity', 'bad.base')", "42809",
                        "dependent pg_catalog.pg_stat_activity is a system view"),
                c("declare_dependency: on itself", "SELECT audit.declare_dependency('bad.features_v', 'bad.features_v')", "22023", "bad.features_v"),
                c("declare_dependency: NULL depends_on", "SELECT audit.declare_dependency('bad.features_v', NULL)", "22004", "depends_on"),
                c("undeclare_dependency: dropped oid", "SELECT audit.undeclare_dependency('bad.features_v', 987654321::oid::regclass)", "42P01", "987654321"),
                c("closure: NULL", "SELECT * FROM audit.closure(NULL)", "22004", "target"),
                c("closure: a system view", "SELECT * FROM audit.closure('information_schema.columns')", "42809", "information_schema.columns is a system view"),
                c("refresh_plan: a system view", "SELECT * FROM audit.refresh_plan('pg_catalog.pg_stat_activity')", "42809", "pg_catalog.pg_stat_activity is a system view"),
                c("refresh_plan: a table", "SELECT * FROM audit.refresh_plan('bad.base')", "42809", "bad.base"),
                c("in_maintenance_window: a sequence", "SELECT audit.in_maintenance_window('bad.seq')", "42809", "bad.seq"),
                c("feed_problems: a table", "SELECT * FROM audit.feed_problems('bad.base')", "42809", "bad.base"),
                // certification rules
                c("add_deny_rule: invalid regex", "SELECT audit.add_deny_rule('bad.features_v', 'regex', '(_mv$')", "2201B", "(_mv$"),
                c("add_deny_rule: invalid bracket regex", "SELECT audit.add_deny_rule('bad.features_v', 'regex', '[a-')", "2201B", "[a-"),
                c("add_deny_rule: unknown kind", "SELECT audit.add_deny_rule('bad.features_v', 'glob', '*_mv')", "22023", "glob"),
                c("add_deny_rule: empty pattern", "SELECT audit.add_deny_rule('bad.features_v', 'name', '')", "22023", "pattern must not be empty"),
                c("add_deny_rule: unregistered target", "SELECT audit.add_deny_rule('bad.unregistered_v', 'name', 'bad.base')", "MVC01", "bad.unregistered_v"),
                c("add_gate_rule: invalid regex", "SELECT audit.add_gate_rule('bad.features_v', '^img__(', 'img_ok')", "2201B", "^img__("),
                c("add_gate_rule: regex matching no column", "SELECT audit.add_gate_rule('bad.features_v', '^nope__', 'img_ok')", "42703", "^nope__"),
                c("add_gate_rule: expression with a syntax error", "SELECT audit.add_gate_rule('bad.features_v', '^img__', 'img_ok AND')", "42601", "img_ok AND"),
                c("add_gate_rule: expression not boolean", "SELECT audit.add_gate_rule('bad.features_v', '^img__', 'v + 1')", "42804", "v + 1"),
                c("add_gate_rule: expression on an unknown column", "SELECT audit.add_gate_rule('bad.features_v', '^img__', 'no_such_flag')", "42703", "no_such_flag"),
                c("add_gate_rule: expression smuggling statements", "SELECT audit.add_gate_rule('bad.features_v', '^img__', 'true) LIMIT 0; DROP TABLE bad.victim; SELECT (true')", "42601", "DROP TABLE bad.victim"),
                c("add_sql_assertion: query smuggling statements", "SELECT audit.add_sql_assertion('bad.features_v', 'x', 'SELECT 1) q; DROP TABLE bad.victim; SELECT * FROM (SELECT 1')", "42601", "DROP TABLE bad.victim"),
                c("add_sql_assertion: invalid SQL", "SELECT audit.add_sql_assertion('bad.features_v', 'typo', 'SELEC * FROM bad.features_v')", "42601", "SELEC * FROM bad.features_v"),
                c("add_sql_assertion: NULL name", "SELECT audit.add_sql_assertion('bad.features_v', NULL, 'SELECT 1')", "22004", "needs a name"),
                // baselines and hash days
                c("set_hash_days: a day that does not exist", "SELECT audit.set_hash_days('bad.features_v', '{2024-01-02,2023-02-30}')", "22008", "2023-02-30"),
                c("set_hash_days: days without rows", "SELECT audit.set_hash_days('bad.features_v', ARRAY[date '2024-01-02', date '1999-01-01'])", "22023", "1999-01-01"),
                c("set_hash_days: target without a day column", "SELECT audit.set_hash_days('bad.plain_v', ARRAY[date '2024-01-02'])", "55000", "bad.plain_v"),
                c("accept_baseline: accepting a capture twice", "SELECT audit.accept_baseline({accepted_capture}, 'again')", "55000", "{accepted_capture}"),
                c("accept_baseline: unknown capture", "SELECT audit.accept_baseline(987654321, 'reviewed')", "P0002", "987654321"),
                c("accept_baseline: blank note", "SELECT audit.accept_baseline({open_capture}, '   ')", "22023", "needs a note"),
                // analysis exemptions
                c("exempt_function: NULL function", "SELECT audit.exempt_function(NULL, 'reviewed')", "22004", "must not be NULL"),
                c("exempt_function: blank note", "SELECT audit.exempt_function('pg_catalog.lower(text)', '  ')", "22023", "pg_catalog.lower(text)"),
                c("exempt_function: unknown function", "SELECT audit.exempt_function('bad.no_such_fn(integer)', 'reviewed')", "42883", "bad.no_such_fn"),
                c("exempt_function: SQL fragment is not a function", "SELECT audit.exempt_function('lower(text); DROP TABLE bad.victim', 'x')", "22P02", "right parenthesis"),
                c("revoke_exemption: nothing to revoke", "SELECT audit.revoke_exemption('pg_catalog.lower(text)')", "P0002", "pg_catalog.lower(text)"),
                c("mark_stale: blank reason", "SELECT audit.mark_stale('bad.features_v', '')", "22023", "bad.features_v"),
                // guarded views
                c("create_guarded_view: unqualified name", "SELECT audit.create_guarded_view('bad.features_v', 'guarded', interval '1 day')", "42602", "guarded"),
                c("create_guarded_view: name smuggling statements", "SELECT audit.create_guarded_view('bad.features_v', 'bad.g; DROP TABLE bad.victim', interval '1 day')", "22023", "bad.g; DROP TABLE bad.victim"),
                c("create_guarded_view: negative max_age", "SELECT audit.create_guarded_view('bad.features_v', 'bad.g', interval '-1 day')", "22023", "-1 days"),
                c("create_guarded_view: source is a table", "SELECT audit.create_guarded_view('bad.base', 'bad.g', interval '1 day')", "42809", "bad.base"),
                c("create_guarded_view: name already taken", "SELECT audit.create_guarded_view('bad.features_v', 'bad.base_mv', interval '1 day')", "42P07", "base_mv"),
                // queue, runs and breakers
                c("request_run: unknown mode", "SELECT audit.request_run('bad.features_v', 'turbo')", "22023", "turbo"),
                c("request_run: mode smuggling SQL", "SELECT audit.request_run('bad.features_v', 'atomic''); DROP TABLE bad.victim; --')", "22023", "DROP TABLE bad.victim"),
                c("request_run: a table", "SELECT audit.request_run('bad.base')", "42809", "bad.base"),
                c("request_run: a system view", "SELECT audit.request_run('pg_catalog.pg_locks')", "42809", "pg_catalog.pg_locks is a system view"),
                c("claim_request: blank agent name", "SELECT * FROM audit.claim_request('  ')", "22023", "agent name"),
                c("complete_request: unknown request", "SELECT audit.complete_request(987654321)", "P0002", "987654321"),
                c("complete_request: completing twice", "SELECT audit.complete_request({done_request}, 'late')", "55000", "{done_request}"),
                c("agent_heartbeat: empty name", "SELECT audit.agent_heartbeat('')", "22023", "agent name"),
                c("heartbeat: unknown run", "SELECT audit.heartbeat(987654321)", "P0002", "987654321"),
                c("reap_abandoned: negative claim timeout", "SELECT audit.reap_abandoned(interval '-2 minutes')", "22023", "-00:02:00"),
                c("begin_run: unknown mode", "SELECT audit.begin_run('bad.features_v', 'someday')", "22023", "someday"),
                c("begin_run: negative lease", "SELECT audit.begin_run('bad.features_v', 'incremental', p_lease => interval '-1 minute')", "22023", "-00:01:00"),
                c("finish_run: unknown status", "SELECT audit.finish_run({finished_run}, 'done-ish')", "22023", "done-ish"),
                c("finish_run: unknown run", "SELECT audit.finish_run(987654321, 'certified')", "P0002", "987654321"),
                c("finish_run: running is not an end", "SELECT audit.finish_run({finished_run}, 'running')", "22023", "running"),
                c("begin_step: not a materialized view", "SELECT audit.begin_step({finished_run}, 'bad.features_v')", "42809", "bad.features_v"),
                c("begin_step: name smuggling SQL", "SELECT audit.begin_step({finished_run}, 'bad.base_mv; DROP TABLE bad.victim')", "42P01", "bad.base_mv; DROP TABLE bad.victim"),
                c("begin_step: unknown run", "SELECT audit.begin_step(987654321, 'bad.base_mv')", "P0002", "987654321"),
                c("finish_step: unknown step", "SELECT audit.finish_step(987654321, 'succeeded')", "P0002", "987654321"),
                c("finish_step: unknown status", "SELECT audit.finish_step(987654321, 'exploded')", "22023", "exploded"),
                c("breaker_permit: name smuggling SQL", "SELECT audit.breaker_permit('bad.base_mv; DROP TABLE bad.victim')", "42P01", "bad.base_mv; DROP TABLE bad.victim"),
                c("breaker_record: NULL outcome", "SELECT audit.breaker_record('bad.base_mv', NULL)", "22004", "succeeded"),
                c("reset_breaker: a plain view", "SELECT audit.reset_breaker('bad.features_v')", "42809", "bad.features_v"),
                c("set_breaker_policy: threshold 0", "SELECT audit.set_breaker_policy('bad.base_mv', 0)", "22023", "got 0"),
                c("set_breaker_policy: negative cool-down", "SELECT audit.set_breaker_policy(NULL, 3, interval '-15 minutes')", "22023", "-00:15:00"),
                // feeds and history
                c("report_feed_batch: unknown status", "SELECT audit.report_feed_batch('orders', 'b1', 'ok')", "22023", "ok"),
                c("report_feed_batch: NULL batch", "SELECT audit.report_feed_batch('orders', NULL, 'running')", "22004", "batch"),
                c("require_feed: unregistered target", "SELECT audit.require_feed('bad.unregistered_v', 'orders')", "42704", "bad.unregistered_v"),
                c("require_feed: negative max_age", "SELECT audit.require_feed('bad.features_v', 'orders', interval '-1 day')", "22023", "-1 days"),
                c("purge_history: negative keep_for", "SELECT audit.purge_history(interval '-90 days')", "22023", "-90 days"),
                c("purge_history: negative run count", "SELECT audit.purge_history(interval '90 days', -1)", "22023", "-1"),
                // SQL entry points (procedures)
                c("refresh_and_certify: unknown mode", "CALL audit.refresh_and_certify('bad.features_v', true, 'certify')", "22023", "certify"),
                c("refresh_and_certify: a table", "CALL audit.refresh_and_certify('bad.base')", "42809", "bad.base"),
                c("run_certification: negative timeout", "CALL audit.run_certification('bad.features_v', true, interval '-1 minute')", "22023", "-00:01:00"),
                c("run_certification: NULL raise flag", "CALL audit.run_certification('bad.features_v', NULL)", "22004", "p_raise"),
                // pg_cron schedules (in the database pg_cron lives in)
                cron("schedule: words instead of a cron expression", "SELECT audit.schedule('bad_input.features_v', 'every day at 2')", "22023", "every day at 2"),
                cron("schedule: minute 61", "SELECT audit.schedule('bad_input.features_v', '61 2 * * *')", "22023", "61 2 * * *"),
                cron("schedule: six fields", "SELECT audit.schedule('bad_input.features_v', '0 0 2 * * *')", "22023", "0 0 2 * * *"),
                cron("schedule: expression smuggling SQL", "SELECT audit.schedule('bad_input.features_v', '0 2 * * *''); DROP TABLE bad_input.victim; --')", "22023", "DROP TABLE bad_input.victim"),
                cron("schedule: NULL expression", "SELECT audit.schedule('bad_input.features_v', NULL)", "22004", "cron expression"),
                cron("schedule: job name with a quote", "SELECT audit.schedule('bad_input.features_v', '0 2 * * *', 'incremental', 'night''ly')", "22023", "night''ly"),
                cron("schedule: unknown mode", "SELECT audit.schedule('bad_input.features_v', '0 2 * * *', 'hourly')", "22023", "hourly"),
                cron("schedule: a table", "SELECT audit.schedule('bad_input.victim', '0 2 * * *')", "42809", "bad_input.victim"),
                cron("unschedule: unknown job", "SELECT audit.unschedule('bad_input.features_v', 'nightly')", "P0002", "nightly"));
    }

    @BeforeAll
    static void pipelineAndRecordedState(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA bad;
                CREATE TABLE bad.base (id int PRIMARY KEY, day date NOT NULL, v int);
                INSERT INTO bad.base SELECT g, date '2024-01-01' + g % 3, g FROM generate_series(1, 30) g;
                CREATE MATERIALIZED VIEW bad.base_mv AS SELECT * FROM bad.base;
                CREATE UNIQUE INDEX base_mv_id ON bad.base_mv (id);
                CREATE VIEW bad.features_v AS SELECT id, day, v, v AS img__x, (v > 3) AS img_ok FROM bad.base_mv;
                CREATE VIEW bad.plain_v AS SELECT id, v FROM bad.base_mv;
                CREATE VIEW bad.unregistered_v AS SELECT * FROM bad.base_mv;
                CREATE SEQUENCE bad.seq;
                CREATE TABLE bad.victim (id int);
                CREATE SCHEMA "we ird";
                CREATE VIEW "we ird"."x""; DROP TABLE bad.victim; --" AS SELECT * FROM bad.base_mv;
                CREATE VIEW bad."données_été_✓" AS SELECT * FROM bad.base_mv;
                SELECT audit.register_target('bad.features_v', p_day_column => 'day');
                SELECT audit.register_target('bad.plain_v');
                """);
        db.execute("SELECT audit.register_target('" + WEIRD_VIEW.replace("'", "''") + "')");
        db.execute("SELECT audit.register_target('" + UNICODE_VIEW + "')");
        IDS.put("accepted_capture", db.queryValue(String.class,
                "SELECT audit._record_baseline_capture('bad.features_v', 'first', '[]')::text"));
        db.execute("SELECT audit.accept_baseline(" + IDS.get("accepted_capture") + ", 'reviewed')");
        IDS.put("open_capture", db.queryValue(String.class,
                "SELECT audit._record_baseline_capture('bad.features_v', 'second', '[]')::text"));
        IDS.put("done_request", db.queryValue(String.class, "SELECT audit.request_run('bad.features_v')::text"));
        db.execute("SELECT audit.claim_request('fixture-agent')");
        db.execute("SELECT audit.complete_request(" + IDS.get("done_request") + ", 'fixture: no run')");
        IDS.put("finished_run", db.queryValue(String.class, "SELECT audit.begin_run('bad.features_v')::text"));
        db.execute("SELECT audit.finish_run(" + IDS.get("finished_run") + ", 'certified')");

        try (Connection c = db.cluster().connect(LocalCluster.CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("""
                    DROP SCHEMA IF EXISTS bad_input CASCADE;
                    CREATE SCHEMA bad_input;
                    CREATE TABLE bad_input.victim (id int);
                    CREATE VIEW bad_input.features_v AS SELECT 1 AS id;
                    """);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRefusedWithAClearErrorAndChangesNothing(Case input, TestDatabase db) throws SQLException {
        String sql = substitute(input.sql());
        String mustName = substitute(input.mustName());
        try (Connection target = db.connect(); Connection cron = db.cluster().connect(LocalCluster.CRON_DATABASE)) {
            Connection c = input.where() == Where.CRON_DB ? cron : target;
            Map<String, String> before = snapshot(c, "");

            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                }
            }, "accepted: " + sql);

            String message = e instanceof PSQLException p && p.getServerErrorMessage() != null
                    ? p.getServerErrorMessage().getMessage() : e.getMessage();
            assertNotNull(e.getSQLState(), "no SQLSTATE: " + e);
            assertTrue(e.getSQLState().startsWith(input.sqlState()),
                    "SQLSTATE " + e.getSQLState() + ", expected " + input.sqlState() + ": " + e.getMessage());
            assertTrue(message.contains(mustName), "the message does not name '" + mustName + "': " + message);

            Map<String, String> after = snapshot(c, "");
            assertEquals(before, after, "state changed by a refused call: " + sql);
        }
    }

    @Test
    void aViewNamedLikeAnInjectionIsRegisteredQueuedGuardedAndScheduledByItsExactName(TestDatabase db) throws SQLException {
        String literal = WEIRD_VIEW.replace("'", "''");
        db.execute("SELECT audit.declare_dependency('" + literal + "', 'bad.base')");
        long request = db.queryValue(Long.class, "SELECT audit.request_run('" + literal + "', 'certify', 'weird name')");
        db.execute("SELECT audit.create_guarded_view('" + literal + "', '\"we ird\".\"guarded \"\"; --\"', interval '1 day')");

        assertEquals(WEIRD_VIEW, db.queryValue(String.class, "SELECT target FROM audit.run_request WHERE request_id = ?", request));
        assertEquals(WEIRD_VIEW, db.queryValue(String.class,
                "SELECT target FROM audit.target WHERE target = format('%I.%I', 'we ird', 'x\"; DROP TABLE bad.victim; --')"));
        assertEquals("bad.base", db.queryValue(String.class,
                "SELECT depends_on FROM audit.declared_dependency WHERE dependent = ?", WEIRD_VIEW));
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            SQLException gate = assertThrows(SQLException.class, () -> s.executeQuery("SELECT count(*) FROM \"we ird\".\"guarded \"\"; --\""));
            assertEquals("MVC02", gate.getSQLState(), "the guarded view of a never certified target must refuse: " + gate.getMessage());
        }
        assertEquals(1, db.queryValue(Integer.class, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'bad' AND tablename = 'victim'"));

        try (Connection c = db.cluster().connect(LocalCluster.CRON_DATABASE); Statement s = c.createStatement()) {
            s.execute("CREATE VIEW \"bad_input\".\"x\"\"; DROP TABLE bad_input.victim; --\" AS SELECT 1 AS id");
            String name = "bad_input.\"x\"\"; DROP TABLE bad_input.victim; --\"";
            s.execute("SELECT audit.schedule('" + name.replace("'", "''") + "', '0 3 * * *', 'incremental', 'd')");
            String command;
            try (ResultSet rs = s.executeQuery("SELECT command FROM cron.job WHERE jobname = 'mvcert:' || '" + name.replace("'", "''") + "' || ':d'")) {
                assertTrue(rs.next(), "no pg_cron job for " + name);
                command = rs.getString(1);
            }
            long queued;
            try (ResultSet rs = s.executeQuery(command)) {
                rs.next();
                queued = rs.getLong(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT target, to_regclass('bad_input.victim') IS NOT NULL FROM audit.run_request WHERE request_id = " + queued)) {
                assertTrue(rs.next());
                assertEquals(name, rs.getString(1), "the pg_cron job queued a request for another name");
                assertTrue(rs.getBoolean(2), "the pg_cron command ran the fragment in the view's name");
            }
            assertEquals(1, s.executeUpdate("DELETE FROM audit.run_request WHERE request_id = " + queued));
            try (ResultSet rs = s.executeQuery("SELECT audit.unschedule('" + name.replace("'", "''") + "')")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
        }
    }

    private static String substitute(String text) {
        String result = text;
        for (Map.Entry<String, String> id : IDS.entrySet()) {
            result = result.replace("{" + id.getKey() + "}", id.getValue());
        }
        return result;
    }

    /** An md5 per audit table (and cron.job where pg_cron is installed), plus one over the database's relations. */
    static Map<String, String> snapshot(Connection c, String prefix) throws SQLException {
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
        Map<String, String> hashes = new LinkedHashMap<>();
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM " + table + " t")) {
                    rs.next();
                    hashes.put(prefix + table, rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT md5(string_agg(format('%s.%s:%s', n.nspname, c.relname, c.relkind), ',' ORDER BY n.nspname, c.relname))
                      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'""")) {
                rs.next();
                hashes.put(prefix + "relations", rs.getString(1));
            }
        }
        return hashes;
    }
}

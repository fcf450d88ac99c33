package dev.mvcert.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.testing.CommitPerStep;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.CertificationStatus;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Who may do what: logins granted mvcert_reader, mvcert_operator, mvcert_admin and
 * mvcert_agent, a login with no mvcert role (PUBLIC), and the documented agent set-up (a
 * login that is a member of the role owning the pipeline's views plus mvcert_agent). Also: SECURITY DEFINER functions pin search_path and never call
 * functions or operators planted in a caller's search_path.
 */
@ExtendWith(PostgresExtension.class)
class AccessControlIT {

    static final String TARGET = "acl.features_v";
    static final String GUARDED = "acl.features_guarded_v";

    @BeforeAll
    static void rolesPipelineAndACertifiedTarget(TestDatabase db) throws SQLException {
        db.execute("""
                DO $$
                DECLARE r text[];
                BEGIN
                  FOREACH r SLICE 1 IN ARRAY ARRAY[['hard_reader', 'mvcert_reader'], ['hard_operator', 'mvcert_operator'],
                                                  ['hard_admin', 'mvcert_admin'], ['hard_agent_only', 'mvcert_agent']] LOOP
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r[1]) THEN
                      EXECUTE format('CREATE ROLE %I LOGIN IN ROLE %I', r[1], r[2]);
                    END IF;
                  END LOOP;
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hard_public') THEN
                    CREATE ROLE hard_public LOGIN;
                  END IF;
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hard_pipeline_owner') THEN
                    CREATE ROLE hard_pipeline_owner NOLOGIN;
                  END IF;
                  -- the documented agent set-up: member of the pipeline's owner role + mvcert_agent, nothing else
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hard_agent') THEN
                    CREATE ROLE hard_agent LOGIN IN ROLE hard_pipeline_owner, mvcert_agent;
                  END IF;
                END $$;
                CREATE SCHEMA acl AUTHORIZATION hard_pipeline_owner;
                SET ROLE hard_pipeline_owner;
                CREATE TABLE acl.base (id int PRIMARY KEY, day date NOT NULL, v int);
                INSERT INTO acl.base SELECT g, date '2024-01-01' + g % 3, g FROM generate_series(1, 50) g;
                CREATE MATERIALIZED VIEW acl.base_mv AS SELECT * FROM acl.base;
                CREATE UNIQUE INDEX base_mv_id ON acl.base_mv (id);
                CREATE VIEW acl.features_v AS SELECT id, day, v FROM acl.base_mv;
                CREATE VIEW acl.other_v AS SELECT id FROM acl.base_mv;
                RESET ROLE;
                SELECT audit.register_target('acl.features_v', p_day_column => 'day');
                SELECT audit.register_target('acl.other_v');
                SELECT audit.create_guarded_view('acl.features_v', 'acl.features_guarded_v', interval '1 day');
                GRANT USAGE ON SCHEMA acl TO PUBLIC;
                GRANT SELECT ON acl.features_guarded_v TO PUBLIC;
                -- rules are checked against the target as the admin who adds them
                GRANT SELECT ON acl.features_v, acl.other_v TO mvcert_admin;
                """);
        try (Connection c = db.connect()) {
            Mvcert mvcert = new Mvcert(c);
            long capture = mvcert.captureBaselines(TARGET, "initial").captureId();
            mvcert.acceptBaseline(capture, "reviewed: initial");
            assertEquals(CertificationStatus.CERTIFIED, mvcert.certify(TARGET, null).status());
        }
    }

    private static Connection as(TestDatabase db, String role) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), role, "");
    }

    private static void denied(Statement s, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), "allowed: " + sql);
        assertEquals("42501", e.getSQLState(), sql + " -> " + e.getMessage());
    }

    private static void allowed(Statement s, String sql) throws SQLException {
        try {
            s.execute(sql);
        } catch (SQLException e) {
            fail("refused (" + e.getSQLState() + "): " + sql + " -> " + e.getMessage());
        }
    }

    @Test
    void aReaderCallsGatesAndReadsHealthAndHistoryButCannotRequestRunsOrWriteAnything(TestDatabase db) throws SQLException {
        try (Connection c = as(db, "hard_reader"); Statement s = c.createStatement()) {
            allowed(s, "SELECT audit.require_certified('acl.features_v', interval '1 day')");
            allowed(s, "SELECT * FROM audit.health");
            allowed(s, "SELECT * FROM audit.run, audit.step, audit.registry, audit.certification, audit.check_result LIMIT 1");
            allowed(s, "SELECT * FROM audit.closure('acl.features_v')");
            allowed(s, "SELECT * FROM audit.refresh_plan('acl.features_v')");
            allowed(s, "SELECT count(*) FROM acl.features_guarded_v");

            denied(s, "SELECT audit.request_run('acl.features_v')");
            denied(s, "SELECT audit.reset_breaker('acl.base_mv')");
            denied(s, "SELECT audit.mark_stale('acl.features_v', 'reader says so')");
            denied(s, "SELECT audit.register_target('acl.other_v')");
            denied(s, "INSERT INTO audit.run (target, mode) VALUES ('acl.features_v', 'incremental')");
            denied(s, "DELETE FROM audit.step");
            denied(s, "UPDATE audit.run_request SET status = 'done'");
            denied(s, "INSERT INTO audit.baseline (target, kind, object, hash) VALUES ('acl.features_v', 'definition', 'x', 'y')");
            denied(s, "DELETE FROM audit.baseline");
            denied(s, "UPDATE audit.target SET max_age = interval '100 years'");
            denied(s, "CREATE FUNCTION audit.require_certified(regclass) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
        }
    }

    @Test
    void aReaderCannotMakeAFailedTargetLookCertified(TestDatabase db) throws SQLException {
        // other_v: a FAILED certification recorded by the engine's path (operator functions)
        long failed = db.queryValue(Long.class, """
                SELECT audit._record_certification('acl.other_v', NULL, now(), 'test',
                       '[{"check": "sql_assertion", "object": "no_rows", "passed": false, "detail": "3 rows"}]')""");
        db.execute("SELECT audit._publish_certification(" + failed + ")");
        long passing = db.queryValue(Long.class, """
                SELECT audit._record_certification('acl.other_v', NULL, now(), 'forged',
                       '[{"check": "sql_assertion", "object": "no_rows", "passed": true, "detail": ""}]')""");
        try (Connection c = as(db, "hard_reader"); Statement s = c.createStatement()) {
            denied(s, "UPDATE audit.registry SET status = 'CERTIFIED', certified_at = now() WHERE target = 'acl.other_v'");
            denied(s, "INSERT INTO audit.registry (target, status, certified_at) VALUES ('acl.reader_v', 'CERTIFIED', now())");
            denied(s, "DELETE FROM audit.registry");
            denied(s, "INSERT INTO audit.certification (target, status) VALUES ('acl.other_v', 'CERTIFIED')");
            denied(s, "UPDATE audit.check_result SET passed = true");
            denied(s, "SELECT audit._record_certification('acl.other_v', NULL, now(), 'forged', '[{\"check\": \"x\", \"object\": \"y\", \"passed\": true}]')");
            denied(s, "SELECT audit._publish_certification(" + passing + ")");
            denied(s, "SELECT audit._record_baseline_capture('acl.other_v', 'forged', '[]')");
            denied(s, "SELECT audit.accept_baseline(1, 'forged')");
            denied(s, "SET ROLE mvcert_operator");
            SQLException gate = assertThrows(SQLException.class,
                    () -> s.execute("SELECT audit.require_certified('acl.other_v', interval '1 day')"));
            assertEquals("MVC03", gate.getSQLState(), gate.getMessage());
        }
        assertEquals("FAILED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'acl.other_v'"));
    }

    @Test
    void anOperatorRequestsRunsAndResetsBreakersButCannotManageTargetsRulesOrBaselines(TestDatabase db) throws SQLException {
        long capture = db.queryValue(Long.class, "SELECT audit._record_baseline_capture('acl.features_v', 'op test', '[]')");
        try (Connection c = as(db, "hard_operator"); Statement s = c.createStatement()) {
            allowed(s, "SELECT audit.request_run('acl.features_v', 'certify', 'operator')");
            allowed(s, "SELECT audit.reset_breaker('acl.base_mv')");
            allowed(s, "SELECT * FROM audit.health");

            denied(s, "SELECT audit.register_target('acl.other_v', 'changed by operator')");
            denied(s, "INSERT INTO audit.target (target) VALUES ('acl.other_v')");
            denied(s, "SELECT audit.add_deny_rule('acl.features_v', 'regex', '_mv$')");
            denied(s, "SELECT audit.add_gate_rule('acl.features_v', '^v$', 'true')");
            denied(s, "SELECT audit.add_sql_assertion('acl.features_v', 'x', 'SELECT 1 WHERE false')");
            denied(s, "INSERT INTO audit.deny_rule (target, kind, pattern) VALUES ('acl.features_v', 'schema', 'x')");
            denied(s, "SELECT audit.set_hash_days('acl.features_v', ARRAY[date '2024-01-02'])");
            denied(s, "SELECT audit.accept_baseline(" + capture + ", 'operator accepts')");
            denied(s, "SELECT audit.declare_dependency('acl.features_v', 'acl.base')");
            denied(s, "SELECT audit.set_breaker_policy(NULL, 1)");
            denied(s, "SELECT audit.create_guarded_view('acl.features_v', 'acl.op_guarded_v', interval '1 day')");
            denied(s, "SELECT * FROM audit.claim_request('operator-pretending')");
            denied(s, "SELECT audit.exempt_function('pg_catalog.lower(text)', 'operator exempts')");
            denied(s, "INSERT INTO audit.analysis_exemption (function_identity, body_hash, exempted_by, exempted_at, note)"
                    + " VALUES ('x', 'y', 'z', now(), 'forged')");
        }
        assertEquals(null, db.queryValue(String.class, "SELECT accepted_by FROM audit.baseline_capture WHERE capture_id = ?", capture));
    }

    @Test
    void anAdminManagesTargetsRulesAndBaselines(TestDatabase db) throws SQLException {
        long capture = db.queryValue(Long.class, "SELECT audit._record_baseline_capture('acl.other_v', 'admin test', '[]')");
        try (Connection c = as(db, "hard_admin"); Statement s = c.createStatement()) {
            allowed(s, "SELECT audit.register_target('acl.other_v', 'described by admin')");
            allowed(s, "SELECT audit.add_deny_rule('acl.other_v', 'regex', '^legacy\\.')");
            allowed(s, "SELECT audit.add_sql_assertion('acl.other_v', 'positive_ids', 'SELECT * FROM acl.other_v WHERE id <= 0')");
            allowed(s, "SELECT audit.set_hash_days('acl.features_v', ARRAY[date '2024-01-02'])");
            allowed(s, "SELECT audit.set_hash_days('acl.features_v', '{}')");
            allowed(s, "SELECT audit.declare_dependency('acl.other_v', 'acl.base', 'admin declared')");
            allowed(s, "SELECT audit.undeclare_dependency('acl.other_v', 'acl.base')");
            allowed(s, "SELECT audit.set_breaker_policy('acl.base_mv', 5, interval '1 minute')");
            allowed(s, "SELECT audit.accept_baseline(" + capture + ", 'reviewed by admin')");
            allowed(s, "SELECT audit.request_run('acl.other_v')");
            allowed(s, "SELECT audit.exempt_function('pg_catalog.upper(text)', 'reviewed by admin')");
            allowed(s, "SELECT audit.revoke_exemption('pg_catalog.upper(text)')");
        }
        assertEquals("hard_admin", db.queryValue(String.class, "SELECT accepted_by FROM audit.baseline_capture WHERE capture_id = ?", capture));
    }

    @Test
    void aLoginWithNoMvcertRoleCanOnlyPassTheGate(TestDatabase db) throws SQLException {
        try (Connection c = as(db, "hard_public"); Statement s = c.createStatement()) {
            allowed(s, "SELECT audit.require_certified('acl.features_v', interval '1 day')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM acl.features_guarded_v")) {
                rs.next();
                assertEquals(50, rs.getInt(1));
            }
            denied(s, "SELECT * FROM acl.features_v");
            denied(s, "SELECT * FROM audit.registry");
            denied(s, "SELECT * FROM audit.health");
            denied(s, "SELECT * FROM audit.run");
            denied(s, "SELECT * FROM audit.closure('acl.features_v')");
            denied(s, "SELECT audit.request_run('acl.features_v')");
            denied(s, "SELECT audit.mark_stale('acl.features_v', 'public says so')");
        }
        // exactly the gate, nothing else: every function, procedure, table and view of audit
        List<String> executable = db.queryColumn("""
                SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'audit'::regnamespace AND has_function_privilege('hard_public', p.oid, 'EXECUTE')
                 ORDER BY 1""");
        assertEquals(List.of("audit.require_certified(regclass,interval)", "audit.require_certified_strict(regclass,interval)"),
                executable);
        assertEquals(List.of(), db.queryColumn("""
                SELECT c.oid::regclass::text FROM pg_class c
                 WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
                   AND has_table_privilege('hard_public', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')"""));
    }

    @Test
    void everySecurityDefinerFunctionPinsSearchPathToPgCatalogThenPgTemp(TestDatabase db) {
        List<String> definers = db.queryColumn("""
                SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'audit'::regnamespace AND p.prosecdef ORDER BY 1""");
        assertTrue(definers.size() >= 20, "expected the queue, history and certification writers to be SECURITY DEFINER: " + definers);
        assertEquals(List.of(), db.queryColumn("""
                SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'audit'::regnamespace AND p.prosecdef
                   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
                 ORDER BY 1"""), "SECURITY DEFINER functions without SET search_path TO pg_catalog, pg_temp");
        // and no SECURITY DEFINER function but the two gates is open to PUBLIC
        assertEquals(List.of("audit.require_certified(regclass,interval)", "audit.require_certified_strict(regclass,interval)"),
                db.queryColumn("""
                SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'audit'::regnamespace AND p.prosecdef
                   AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1"""));
    }

    @Test
    void securityDefinerFunctionsNeverCallFunctionsOrOperatorsPlantedInTheCallersSearchPath(TestDatabase db) throws SQLException {
        db.execute("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hard_everything') THEN
                    CREATE ROLE hard_everything LOGIN IN ROLE mvcert_admin, mvcert_agent;
                  END IF;
                END $$;
                DROP SCHEMA IF EXISTS evil CASCADE;
                CREATE SCHEMA evil;
                CREATE TABLE evil.calls (fn text, at timestamptz DEFAULT clock_timestamp());
                GRANT USAGE ON SCHEMA evil TO PUBLIC;
                GRANT INSERT, SELECT, DELETE ON evil.calls TO PUBLIC;
                -- exact-type overloads win over pg_catalog's variadic/coercing ones for unqualified calls
                CREATE FUNCTION evil.format(text, text) RETURNS text LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('format(text,text)'); RETURN $2; END $f$;
                CREATE FUNCTION evil.format(text, text, text) RETURNS text LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('format(text,text,text)'); RETURN $2; END $f$;
                CREATE FUNCTION evil.lower(varchar) RETURNS text LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('lower(varchar)'); RETURN $1; END $f$;
                CREATE FUNCTION evil.btrim(varchar) RETURNS text LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('btrim(varchar)'); RETURN $1; END $f$;
                CREATE FUNCTION evil.eq(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('=(varchar,varchar)'); RETURN true; END $f$;
                CREATE OPERATOR evil.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = evil.eq);
                CREATE FUNCTION evil.eq(regclass, regclass) RETURNS boolean LANGUAGE plpgsql AS
                  $f$ BEGIN INSERT INTO evil.calls (fn) VALUES ('=(regclass,regclass)'); RETURN true; END $f$;
                CREATE OPERATOR evil.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = evil.eq);
                GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA evil TO PUBLIC;
                """);
        long capture = db.queryValue(Long.class, "SELECT audit._record_baseline_capture('acl.other_v', 'trap', '[]')");
        try (Connection c = as(db, "hard_everything"); Statement s = c.createStatement()) {
            s.execute("SET search_path = evil, public");
            // the traps work: the same unqualified calls in the caller's own SQL reach them
            s.execute("""
                    SELECT format('%s', 'x'::text), format('%s %s', 'a'::text, 'b'::text), lower('X'::varchar),
                           btrim(' x '::varchar), 'a'::varchar = 'b'::varchar, 'pg_class'::regclass = 'pg_proc'::regclass""");
            assertEquals(6, countCalls(db), "the planted functions must catch unqualified calls: " + db.queryColumn("SELECT fn FROM evil.calls"));
            db.execute("DELETE FROM evil.calls");

            for (String call : List.of(
                    "SELECT audit.require_certified('acl.features_v', interval '1 day')",
                    "SELECT audit.require_certified_strict('acl.features_v', interval '1 day')",
                    "SELECT count(*) FROM acl.features_guarded_v",
                    "SELECT * FROM audit.health",
                    "SELECT audit.register_target('acl.other_v')",
                    "SELECT audit.add_deny_rule('acl.other_v', 'name', 'acl.base')",
                    "SELECT audit.add_gate_rule('acl.features_v', '^v$', 'id > 0')",
                    "SELECT audit.declare_dependency('acl.other_v', 'acl.base', 'trap')",
                    "SELECT audit.undeclare_dependency('acl.other_v', 'acl.base')",
                    "SELECT audit.accept_baseline(" + capture + ", 'trap')",
                    "SELECT audit.request_run('acl.other_v', 'atomic', 'trap')",
                    "SELECT audit.agent_heartbeat('trap-agent', 'h', 1, 'v')",
                    "SELECT * FROM audit.claim_request('trap-agent')",
                    "SELECT audit.complete_request(request_id, 'trap') FROM audit.run_request WHERE claimed_by = 'trap-agent' AND status = 'claimed'",
                    "SELECT audit.breaker_permit('acl.base_mv')",
                    "SELECT audit.breaker_record('acl.base_mv', false, 'trap')",
                    "SELECT audit.reset_breaker('acl.base_mv')",
                    "SELECT audit.set_breaker_policy('acl.base_mv', 4)",
                    "SELECT audit.reap_abandoned()",
                    "SELECT audit.agent_stopped('trap-agent')",
                    "SELECT audit.mark_stale('acl.other_v', 'trap')",
                    "SELECT audit.exempt_function('pg_catalog.lower(text)', 'trap')",
                    "SELECT audit.revoke_exemption('pg_catalog.lower(text)')",
                    "SELECT * FROM audit.closure('acl.features_v')",
                    "SELECT * FROM audit.refresh_plan('acl.features_v')")) {
                allowed(s, call);
            }
            // history writers (operator): a whole run and step
            try (ResultSet rs = s.executeQuery("SELECT audit.begin_run('acl.features_v', 'incremental', 'trap')")) {
                rs.next();
                long run = rs.getLong(1);
                allowed(s, "SELECT audit.heartbeat(" + run + ")");
                allowed(s, "SELECT audit.finish_step(audit.begin_step(" + run + ", 'acl.base_mv'), 'failed', p_sqlstate => '53100', p_error_message => 'disk full')");
                allowed(s, "SELECT audit.finish_run(" + run + ", 'refresh_failed', 'trap')");
            }
            SQLException noAgent = assertThrows(SQLException.class, () -> s.execute("CALL audit.run_certification('acl.features_v')"));
            assertTrue(noAgent.getMessage().contains("no mvcert agent"), noAgent.getMessage());
        }
        assertEquals(0, countCalls(db), "a SECURITY DEFINER or mvcert function called a planted object: "
                + db.queryColumn("SELECT fn FROM evil.calls"));
    }

    private static int countCalls(TestDatabase db) {
        return db.queryValue(Integer.class, "SELECT count(*)::int FROM evil.calls");
    }

    @Test
    void theAgentRoleSetUpRefreshesAndCertifiesWithoutSuperuser(TestDatabase db) throws SQLException {
        try (Connection work = as(db, "hard_agent"); Connection history = as(db, "hard_agent")) {
            try (Statement s = work.createStatement(); ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                assertTrue(!rs.getBoolean(1), "the agent login must not be a superuser");
            }
            work.setAutoCommit(false);
            // incremental: each step committed by the caller, then certification
            RunResult incremental = Mvcert.runs(new CommitPerStep(work, history))
                    .run(RunRequest.of(TARGET).withMode(RunMode.INCREMENTAL).withForce(true).withExecutor("agent:acl"));
            assertEquals(RunOutcome.CERTIFIED, incremental.outcome(), incremental.toString());
            assertEquals(CertificationStatus.CERTIFIED, incremental.certification().status(), incremental.toString());
            // atomic: refresh + certification in one transaction, published by the caller's commit
            RunResult atomic = new Mvcert(work).withHistory(history).run(RunRequest.of(TARGET).withMode(RunMode.ATOMIC).withForce(true));
            assertTrue(atomic.publish(), atomic.toString());
            work.commit();
            assertEquals(List.of("SUCCEEDED"), incremental.steps().stream().map(st -> st.status().name()).distinct().toList());

            try (Statement s = work.createStatement()) {
                denied(s, "SELECT audit.register_target('acl.other_v')");
                work.rollback();
                denied(s, "UPDATE audit.registry SET certified_at = now()");
                work.rollback();
                denied(s, "SELECT audit.accept_baseline(1, 'agent accepts')");
                work.rollback();
                denied(s, "SELECT audit.request_run('acl.features_v')");
                work.rollback();
            }
        }
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = ?", TARGET));
        assertEquals(2L, db.queryValue(Long.class,
                "SELECT count(*) FROM audit.run WHERE target = ? AND requested_by = 'hard_agent' AND status = 'certified'", TARGET));
        // without the owner's role the same refresh is refused: that membership is what the set-up needs
        try (Connection c = as(db, "hard_agent_only"); Statement s = c.createStatement()) {
            SQLException notOwner = assertThrows(SQLException.class, () -> s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY acl.base_mv"));
            assertEquals("42501", notOwner.getSQLState(), notOwner.getMessage());
        }
        assertEquals(new TreeSet<>(List.of("hard_pipeline_owner", "mvcert_agent", "mvcert_reader")),
                new TreeSet<>(db.queryColumn("""
                        SELECT r.rolname FROM pg_roles r
                         WHERE pg_has_role('hard_agent', r.oid, 'MEMBER') AND r.rolname <> 'hard_agent'""")));
    }
}

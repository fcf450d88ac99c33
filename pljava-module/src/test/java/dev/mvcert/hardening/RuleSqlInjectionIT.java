package dev.mvcert.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.CertificationStatus;
import dev.mvcert.engine.certify.CheckResult;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rules written straight into the rule tables (admins may) bypass the validation of
 * add_gate_rule/add_sql_assertion; the engine still never runs a rule that smuggles in more
 * statements: the check fails with the reason and the smuggled statement does not run.
 */
@ExtendWith(PostgresExtension.class)
class RuleSqlInjectionIT {

    @Test
    void smuggledStatementsInStoredRulesFailTheCheckAndNeverRun(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA inj;
                CREATE TABLE inj.victim (id int);
                CREATE TABLE inj.base (id int PRIMARY KEY, img__x int, ok boolean);
                INSERT INTO inj.base VALUES (1, 1, true);
                CREATE MATERIALIZED VIEW inj.m AS SELECT * FROM inj.base;
                CREATE UNIQUE INDEX ON inj.m (id);
                CREATE VIEW inj.v AS SELECT * FROM inj.m;
                SELECT audit.register_target('inj.v');
                INSERT INTO audit.gate_rule (target, column_regex, gate_expression)
                     VALUES ('inj.v', '^img__', 'ok); DROP TABLE inj.victim; SELECT (true');
                INSERT INTO audit.sql_assertion (target, name, query)
                     VALUES ('inj.v', 'smuggler', 'SELECT 1) q; DROP TABLE inj.victim; SELECT (1');
                """);
        CertificationResult result;
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            result = new Mvcert(c).certify("inj.v", null);
            c.commit();
        }
        assertEquals(CertificationStatus.FAILED, result.status());
        assertEquals(1L, db.queryValue(Long.class, "SELECT count(*) FROM pg_class WHERE oid = to_regclass('inj.victim')"),
                "the smuggled DROP never ran");
        // The gate rule's fragments do not even parse as separate statements (the server
        // refuses them while planning); the assertion's do, and are refused as several.
        failed(result, "gated_column_leakage");
        CheckResult assertion = failed(result, "sql_assertion");
        assertTrue(assertion.detail().contains("one query, not several statements"), assertion.detail());
    }

    private static CheckResult failed(CertificationResult result, String check) {
        return result.results().stream()
                .filter(r -> r.check().equals(check) && !r.passed()).findFirst().orElseThrow(
                        () -> new AssertionError(check + " should fail: " + result.results()));
    }
}

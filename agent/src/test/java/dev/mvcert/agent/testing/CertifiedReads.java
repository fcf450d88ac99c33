package dev.mvcert.agent.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What readers of {@link SmallPipeline}'s target get, and the promise about it: a guarded read
 * returns rows a passing certification saw, or fails with an mvcert SQLSTATE (MVC01-MVC05).
 * Needs {@link #GUARDED} (see {@link #createGuardedView}).
 */
public final class CertifiedReads {

    public static final String GUARDED = "small.t_guarded_v";

    private CertifiedReads() {
    }

    public static void createGuardedView(TestDatabase db) {
        db.execute("SELECT audit.create_guarded_view('small.t_v', '" + GUARDED + "', interval '1 day')");
    }

    /** The rows readers got and the certification that vouched for them. */
    public record Served(String contents, Long certificationId) {
    }

    public static Served now(TestDatabase db) {
        return new Served(contents(db), db.queryValue(Long.class,
                "SELECT certified_certification_id FROM audit.registry WHERE target = 'small.t_v'"));
    }

    /** A fingerprint of the target's rows (unguarded). */
    public static String contents(TestDatabase db) {
        return db.queryValue(String.class, "SELECT md5(string_agg(t::text, ',' ORDER BY day)) FROM small.t_v t");
    }

    /** What the target holds once every view is refreshed from the base table as it is now. */
    public static String refreshedFromBase(TestDatabase db) {
        return db.queryValue(String.class, "SELECT md5(string_agg(t::text, ',' ORDER BY day)) FROM "
                + "(SELECT day, count(*) AS n, sum(v) AS total FROM small.base GROUP BY day) t");
    }

    /**
     * The registry names only a certification that committed as CERTIFIED (with its run); while
     * it says CERTIFIED, readers get exactly what that certification saw: the rows served
     * {@code before} when it is still the same certification, else the rows refreshed from the
     * base table as it is now (the base does not change under the test); a guarded read returns
     * the same rows, or, when the registry does not say CERTIFIED, fails with MVC01-MVC05.
     */
    public static void assertOnlyCertifiedDataIsServed(TestDatabase db, Served before, String when) {
        String status = db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'small.t_v'");
        Long certification = db.queryValue(Long.class, "SELECT certified_certification_id FROM audit.registry WHERE target = 'small.t_v'");
        assertNotNull(certification, "the target was certified before " + when);
        assertEquals("CERTIFIED true", db.queryValue(String.class, "SELECT c.status || ' ' || (c.run_id IS NOT DISTINCT FROM r.certified_run_id) "
                        + "FROM audit.registry r JOIN audit.certification c ON c.certification_id = r.certified_certification_id "
                        + "WHERE r.target = 'small.t_v'"),
                "the registry names a committed passing certification, with its run, " + when);
        String guarded = guardedRead(db);
        if ("CERTIFIED".equals(status)) {
            String expected = certification.equals(before.certificationId()) ? before.contents() : refreshedFromBase(db);
            assertEquals(expected, contents(db), "certification " + certification + " vouches for other rows than readers get " + when
                    + (certification.equals(before.certificationId()) ? " (the previous certification)" : " (a new certification)"));
            assertEquals(expected, guarded, "a guarded read " + when);
        } else {
            assertTrue(guarded.matches("MVC0[1-5]"), "a guarded read of a " + status + " target must fail closed " + when + ": " + guarded);
        }
    }

    /** The guarded view's rows as a fingerprint, or the SQLSTATE of its error. */
    public static String guardedRead(TestDatabase db) {
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT md5(string_agg(t::text, ',' ORDER BY day)) FROM " + GUARDED + " t")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            if (e.getSQLState() == null || !e.getSQLState().startsWith("MVC")) {
                fail("a guarded read failed with something else than an mvcert SQLSTATE: " + e.getSQLState() + " " + e.getMessage());
            }
            return e.getSQLState();
        }
    }
}

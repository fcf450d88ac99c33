package dev.mvcert.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** audit.declare_dependency / audit.undeclare_dependency: edges the catalog cannot see. */
@ExtendWith(PostgresExtension.class)
class DeclaredDependencyIT {

    @BeforeAll
    static void pipeline(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA dd;
                CREATE TABLE dd.prices (id int PRIMARY KEY, price int);
                CREATE MATERIALIZED VIEW dd.a AS SELECT id, price FROM dd.prices;
                CREATE MATERIALIZED VIEW dd.b AS SELECT id, price FROM dd.a;
                CREATE VIEW dd.c AS SELECT id FROM dd.b;
                """);
    }

    @Test
    void declaringTwiceKeepsOneEdgeAndReplacesItsReason(TestDatabase db) {
        db.execute("SELECT audit.declare_dependency('dd.a', 'dd.prices', 'first')");
        db.execute("SELECT audit.declare_dependency('dd.a', 'dd.prices', 'second')");
        db.execute("SELECT audit.declare_dependency('dd.a', 'dd.prices')");

        assertEquals(List.of("dd.a dd.prices second"), db.queryColumn("""
                SELECT dependent || ' ' || depends_on || ' ' || reason FROM audit.declared_dependency
                 WHERE dependent = 'dd.a'"""));
        db.execute("SELECT audit.undeclare_dependency('dd.a', 'dd.prices')");
    }

    @Test
    void anEdgeThatWouldCloseACycleIsRefusedNamingTheCycleAndNothingIsRecorded(TestDatabase db) throws SQLException {
        SQLException e = ClosureIT.error(db, "SELECT audit.declare_dependency('dd.a', 'dd.c', 'would loop')");

        assertEquals("42P19", e.getSQLState());
        assertTrue(e.getMessage().contains("dd.a -> dd.c -> dd.b -> dd.a (dd.a -> dd.c: declared dependency; "
                + "dd.c -> dd.b: view reads materialized view; dd.b -> dd.a: materialized view reads materialized view)"),
                e.getMessage());
        assertEquals(0L, db.queryValue(Long.class, "SELECT count(*) FROM audit.declared_dependency WHERE depends_on = 'dd.c'"));
    }

    @Test
    void badArgumentsAreRefusedWithClearErrors(TestDatabase db) throws SQLException {
        assertEquals("22004", ClosureIT.error(db, "SELECT audit.declare_dependency(NULL, 'dd.prices')").getSQLState());
        assertEquals("22004", ClosureIT.error(db, "SELECT audit.declare_dependency('dd.a', NULL)").getSQLState());
        SQLException table = ClosureIT.error(db, "SELECT audit.declare_dependency('dd.prices', 'dd.a')");
        assertEquals("42809", table.getSQLState());
        assertTrue(table.getMessage().contains("dependent dd.prices is a table"), table.getMessage());
        SQLException missing = ClosureIT.error(db, "SELECT audit.declare_dependency('dd.a', 4000000000::oid::regclass)");
        assertEquals("42P01", missing.getSQLState());
        SQLException self = ClosureIT.error(db, "SELECT audit.declare_dependency('dd.a', 'dd.a')");
        assertEquals("22023", self.getSQLState());
        assertEquals("22004", ClosureIT.error(db, "SELECT audit.undeclare_dependency('dd.a', NULL)").getSQLState());
    }

    @Test
    void aSystemViewMayBeDeclaredAsReadAndIsListedUntrackedButCannotDeclareAnything(TestDatabase db) throws SQLException {
        db.execute("SELECT audit.declare_dependency('dd.b', 'pg_catalog.pg_stat_activity', 'reads sessions in a function')");

        assertEquals(List.of("pg_catalog.pg_stat_activity view declared true"), db.queryColumn("""
                SELECT relation || ' ' || kind || ' ' || via || ' ' || untracked FROM audit.closure('dd.c')
                 WHERE relation LIKE 'pg\\_catalog.%'"""));
        SQLException e = ClosureIT.error(db, "SELECT audit.declare_dependency('pg_catalog.pg_stat_activity', 'dd.a')");
        assertEquals("42809", e.getSQLState());
        assertTrue(e.getMessage().contains("dependent pg_catalog.pg_stat_activity is a system view"), e.getMessage());
        db.execute("SELECT audit.undeclare_dependency('dd.b', 'pg_catalog.pg_stat_activity')");
    }

    @Test
    void aTableDeclaredForAPlainViewIsALiveInputOfItsTargets(TestDatabase db) throws SQLException {
        assertEquals(List.of(), db.queryColumn("SELECT relation FROM audit._live_inputs('dd.c')"));

        db.execute("SELECT audit.declare_dependency('dd.c', 'dd.prices', 'reads prices in a function')");

        assertEquals(List.of("dd.prices (table, read by dd.c)"),
                db.queryColumn("SELECT description FROM audit._live_inputs('dd.c')"));
        assertTrue(db.queryValue(String.class, "SELECT warning FROM audit.refresh_plan('dd.c') ORDER BY step DESC LIMIT 1")
                .contains("live inputs of dd.c (read through plain views only, no materialized view in between): "
                        + "dd.prices (table, read by dd.c)"));
        db.execute("SELECT audit.undeclare_dependency('dd.c', 'dd.prices')");
    }

    @Test
    void undeclareSaysWhetherThereWasAnEdge(TestDatabase db) {
        db.execute("SELECT audit.declare_dependency('dd.b', 'dd.prices')");

        assertEquals(true, db.queryValue(Boolean.class, "SELECT audit.undeclare_dependency('dd.b', 'dd.prices')"));
        assertEquals(false, db.queryValue(Boolean.class, "SELECT audit.undeclare_dependency('dd.b', 'dd.prices')"));
    }

    @Test
    void anEdgeToADroppedRelationMakesTheClosureFailNamingTheEdge(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE TABLE dd.soon_gone (id int);
                SELECT audit.declare_dependency('dd.b', 'dd.soon_gone');
                DROP TABLE dd.soon_gone;
                """);

        SQLException e = ClosureIT.error(db, "SELECT * FROM audit.closure('dd.c')");
        assertEquals("42P01", e.getSQLState());
        assertTrue(e.getMessage().contains("declared dependency dd.b -> dd.soon_gone is stale"), e.getMessage());
        db.execute("DELETE FROM audit.declared_dependency WHERE depends_on = 'dd.soon_gone'");
    }

    @Test
    void adminsDeclareThroughTheFunctionOnlyAndReadersMayPlanButNotDeclare(TestDatabase db) throws SQLException {
        db.execute("GRANT USAGE ON SCHEMA dd TO mvcert_reader");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE mvcert_admin");
            s.execute("SELECT audit.declare_dependency('dd.b', 'dd.prices', 'by an admin')");
            SQLException direct = assertThrows(SQLException.class, () -> s.execute(
                    "INSERT INTO audit.declared_dependency (dependent, depends_on) VALUES ('dd.a', 'dd.b')"));
            assertEquals("42501", direct.getSQLState(), "edges are written only through the checks");

            s.execute("SET ROLE mvcert_reader");
            try (ResultSet rs = s.executeQuery("SELECT string_agg(matview, ' ' ORDER BY step) FROM audit.refresh_plan('dd.c')")) {
                rs.next();
                assertEquals("dd.a dd.b", rs.getString(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.closure('dd.c') WHERE via = 'declared'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the reader sees the admin's declared edge dd.b -> dd.prices");
            }
            SQLException declare = assertThrows(SQLException.class,
                    () -> s.execute("SELECT audit.declare_dependency('dd.a', 'dd.prices')"));
            assertEquals("42501", declare.getSQLState());
        }
        db.execute("SELECT audit.undeclare_dependency('dd.b', 'dd.prices')");
    }
}

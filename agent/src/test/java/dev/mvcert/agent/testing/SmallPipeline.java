package dev.mvcert.agent.testing;

import dev.mvcert.testing.TestDatabase;

/**
 * A small target for agent tests: base table -> two independent materialized views (a, b)
 * -> one that joins them (c) -> the target view small.t_v. a and b may refresh in parallel;
 * c only after both.
 *
 * <p>Every refresh of a and b calls {@code small.step(view)} once: it sleeps for the view's
 * {@code delay} in {@code small.control}, then raises an error with the configured SQLSTATE
 * while the view still has {@code failures} left (counted with a sequence, so rolled-back
 * attempts count too). The call is volatile, so skip-unchanged never skips a and b.
 * {@link #createWithControllableJoin} makes c call {@code small.step('c')} too, so a test can
 * hold a run in the join, after a and b committed.
 */
public final class SmallPipeline {

    public static final String TARGET = "small.t_v";

    private SmallPipeline() {
    }

    public static void create(TestDatabase db) {
        create(db, "");
    }

    /** As {@link #create}, and every refresh of c calls {@code small.step('c')} (delay and failures like a and b). */
    public static void createWithControllableJoin(TestDatabase db) {
        create(db, " WHERE (SELECT small.step('c'))");
    }

    private static void create(TestDatabase db, String joinCondition) {
        db.execute("""
                CREATE SCHEMA small;
                CREATE TABLE small.base (id int PRIMARY KEY, day date NOT NULL, v int NOT NULL);
                INSERT INTO small.base SELECT g, date '2024-01-01' + (g % 30), g % 97 FROM generate_series(1, 5000) g;
                CREATE TABLE small.control (view_name text PRIMARY KEY, delay float8 NOT NULL DEFAULT 0,
                                            sqlstate text, failures int NOT NULL DEFAULT 0);
                INSERT INTO small.control (view_name) VALUES ('a'), ('b'), ('c');
                CREATE SEQUENCE small.a_calls;
                CREATE SEQUENCE small.b_calls;
                CREATE SEQUENCE small.c_calls;
                CREATE FUNCTION small.step(p_view text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
                DECLARE c small.control;
                BEGIN
                  SELECT * INTO c FROM small.control WHERE view_name = p_view;
                  PERFORM pg_sleep(c.delay);
                  IF c.sqlstate IS NOT NULL AND nextval(format('small.%s_calls', p_view)) <= c.failures THEN
                    RAISE EXCEPTION 'injected failure % in %', c.sqlstate, p_view USING ERRCODE = c.sqlstate;
                  END IF;
                  RETURN true;
                END $$;
                CREATE MATERIALIZED VIEW small.a_mv AS
                  SELECT day, count(*) AS n FROM small.base WHERE (SELECT small.step('a')) GROUP BY day;
                CREATE UNIQUE INDEX ON small.a_mv (day);
                CREATE MATERIALIZED VIEW small.b_mv AS
                  SELECT day, sum(v) AS total FROM small.base WHERE (SELECT small.step('b')) GROUP BY day;
                CREATE UNIQUE INDEX ON small.b_mv (day);
                CREATE MATERIALIZED VIEW small.c_mv AS
                  SELECT a.day, a.n, b.total FROM small.a_mv a JOIN small.b_mv b USING (day){join};
                CREATE UNIQUE INDEX ON small.c_mv (day);
                CREATE VIEW small.t_v AS SELECT day, n, total FROM small.c_mv;
                SELECT audit.register_target('small.t_v');
                """.replace("{join}", joinCondition));
    }

    /**
     * Adds a certification rule of the target that sleeps for {@link #certificationPause}'s
     * seconds (0 at first), so a test can catch certification in the act: it shows in
     * pg_stat_activity as a query calling {@code small.cert_pause()}.
     */
    public static void addCertificationPause(TestDatabase db) {
        db.execute("""
                CREATE TABLE small.cert_delay (seconds float8 NOT NULL);
                INSERT INTO small.cert_delay VALUES (0);
                CREATE FUNCTION small.cert_pause() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
                BEGIN PERFORM pg_sleep((SELECT seconds FROM small.cert_delay)); RETURN true; END $$;
                SELECT audit.add_sql_assertion('small.t_v', 'pause', 'SELECT 1 WHERE NOT small.cert_pause()');
                """);
    }

    /** Certification sleeps this long (see {@link #addCertificationPause}). */
    public static void certificationPause(TestDatabase db, double seconds) {
        db.execute("UPDATE small.cert_delay SET seconds = " + seconds);
    }

    /** Every refresh of view a or b (or c, see {@link #createWithControllableJoin}) sleeps this long. */
    public static void delay(TestDatabase db, String view, double seconds) {
        db.execute("UPDATE small.control SET delay = " + seconds + " WHERE view_name = '" + view + "'");
    }

    /** The next {@code failures} refreshes of view a or b fail with {@code sqlstate}. */
    public static void fail(TestDatabase db, String view, String sqlstate, int failures) {
        db.execute("SELECT setval('small." + view + "_calls', 1, false); UPDATE small.control SET sqlstate = '" + sqlstate
                + "', failures = " + failures + " WHERE view_name = '" + view + "'");
    }

    public static void heal(TestDatabase db) {
        db.execute("UPDATE small.control SET sqlstate = NULL, failures = 0, delay = 0");
    }

    /** Captures and accepts the current definitions as the reviewed baseline, so certification can pass. */
    public static void acceptBaseline(TestDatabase db) {
        acceptBaseline(db, TARGET);
    }

    public static void acceptBaseline(TestDatabase db, String target) {
        try (var c = db.connect()) {
            c.setAutoCommit(false);
            var engine = new dev.mvcert.engine.Mvcert(c);
            long id = engine.captureBaselines(target, "test baseline").captureId();
            engine.acceptBaseline(id, "test baseline");
            c.commit();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

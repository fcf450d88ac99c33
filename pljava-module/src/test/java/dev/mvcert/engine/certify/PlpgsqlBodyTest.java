package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.certify.PlpgsqlBody.Statement;
import dev.mvcert.engine.certify.PlpgsqlBody.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlpgsqlBodyTest {

    private static final String BODY = """
            #variable_conflict use_column
            DECLARE
              v_day   CONSTANT date NOT NULL := 'today';
              v_row   ml.listing%ROWTYPE;
              v_price ml.listing.price%TYPE DEFAULT 0;
              r       record;
              c CURSOR (p_from date) FOR SELECT * FROM ml.listing WHERE anchor_day >= p_from;
            BEGIN
              -- IF now() in a comment; 'EXECUTE' in a string
              IF v_day > CASE WHEN p_flag THEN date '2024-01-01' ELSE 'epoch' END THEN
                v_price := (SELECT max(price) FROM ml.listing);
              ELSIF p_flag THEN
                PERFORM ml.touch(v_day);
              END IF;
              SELECT price, anchor_day INTO STRICT v_price, v_day FROM ml.listing WHERE listing_id = 1;
              FOR i IN 1 .. p_n BY 2 LOOP
                RAISE NOTICE 'step % of %', i, p_n USING HINT = 'h' || i;
              END LOOP;
              FOR r IN SELECT * FROM ml.listing WHERE anchor_day < 'tomorrow' LOOP
                CONTINUE WHEN r.price IS NULL;
              END LOOP;
              CASE v_day WHEN 'yesterday', 'today' THEN NULL; ELSE v_row.price := 1; END CASE;
              CALL ml.refresh(v_day);
              CREATE TEMP TABLE t AS SELECT 1;
              RETURN v_day + 1;
            END""";

    @Test
    void declarationsGiveTypedVariablesAndTheirDefaultsAreConvertedToTheType() {
        PlpgsqlBody body = PlpgsqlBody.read(BODY, "date");
        assertEquals(List.of(new Variable("found", "boolean"), new Variable("v_day", "date"), new Variable("v_row", "ml.listing"),
                new Variable("v_price", "ml.listing.price%TYPE"), new Variable("r", null), new Variable("c", "refcursor"),
                new Variable("p_from", "date"), new Variable("i", "integer")), body.variables());
        assertEquals("SELECT COALESCE(\"v_day\", ('today'))", body.statements().get(0).text());
        assertEquals("SELECT 'today'", text(body.statements().get(0).uncast()));
        assertEquals("SELECT COALESCE(\"v_price\", (0))", body.statements().get(1).text());
    }

    @Test
    void statementsBecomeSqlThatPostgresqlCanParse() {
        List<String> sql = PlpgsqlBody.read(BODY, "date").statements().stream().map(Statement::text).toList();
        assertEquals(List.of(
                "SELECT COALESCE(\"v_day\", ('today'))",
                "SELECT COALESCE(\"v_price\", (0))",
                "SELECT * FROM ml.listing WHERE anchor_day >= p_from",
                "SELECT v_day > CASE WHEN p_flag THEN date '2024-01-01' ELSE 'epoch' END",
                "SELECT COALESCE(\"v_price\", ((SELECT max(price) FROM ml.listing)))",
                "SELECT p_flag",
                "SELECT ml.touch(v_day)",
                // INTO STRICT v_price, v_day blanked out, so the rest keeps its place
                "SELECT price, anchor_day" + " ".repeat("INTO STRICT v_price, v_day".length()) + " FROM ml.listing WHERE listing_id = 1",
                "SELECT 1, p_n",
                "SELECT 2",
                "SELECT i, p_n",
                "SELECT 'h' || i",
                "SELECT * FROM ml.listing WHERE anchor_day < 'tomorrow'",
                "SELECT r.price IS NULL",
                "SELECT (v_day) IN ('yesterday', 'today')",
                "SELECT 1",
                "SELECT CAST((v_day + 1) AS date)"), sql);
    }

    @Test
    void copiedTextKeepsItsPlaceInTheBody() {
        PlpgsqlBody body = PlpgsqlBody.read(BODY, "date");
        for (Statement statement : body.statements()) {
            for (PlpgsqlBody.Part part : statement.parts()) {
                if (part.from() >= 0) {
                    assertEquals(part.text(), BODY.substring(part.from(), part.from() + part.text().length()));
                }
            }
        }
        assertEquals(3, body.statements().get(0).line());
        assertEquals(15, body.statements().get(7).line());
    }

    @Test
    void otherStatementsAreLeftToTheTokenizerAndDynamicSqlIsNamed() {
        PlpgsqlBody body = PlpgsqlBody.read(BODY, "date");
        assertEquals(List.of("CALL ml.refresh(v_day)", "CREATE TEMP TABLE t AS SELECT 1"),
                body.unparsed().stream().map(u -> BODY.substring(u.from(), u.to())).toList());
        assertEquals(List.of(), body.dynamic());

        PlpgsqlBody dynamic = PlpgsqlBody.read("""
                BEGIN
                  EXECUTE format('SELECT %I FROM t', p_col) INTO v;
                  FOR r IN EXECUTE 'SELECT 1' LOOP NULL; END LOOP;
                  RETURN QUERY EXECUTE 'SELECT now()';
                  OPEN c FOR EXECUTE 'SELECT 1';
                  DO $d$ BEGIN PERFORM now(); END $d$;
                END""", null);
        assertEquals(List.of("EXECUTE at line 2", "FOR ... IN EXECUTE at line 3", "RETURN QUERY EXECUTE at line 4",
                "OPEN ... FOR EXECUTE at line 5", "DO block at line 6"), dynamic.dynamic());
    }

    @Test
    void nestedBlocksExceptionHandlersAndLabelsAreFollowed() {
        PlpgsqlBody body = PlpgsqlBody.read("""
                <<outer>>
                DECLARE a int := 1;
                BEGIN
                  <<inner>>
                  DECLARE b timestamptz := now();
                  BEGIN
                    a := a + 1;
                  EXCEPTION WHEN division_by_zero OR unique_violation THEN
                    b := 'yesterday';
                  END inner;
                  WHILE a < 10 LOOP a := a * 2; EXIT outer WHEN a > 5; END LOOP;
                  RETURN NEXT a;
                END outer""", null);
        assertEquals(List.of("SELECT COALESCE(\"a\", (1))", "SELECT COALESCE(\"b\", (now()))", "SELECT COALESCE(\"a\", (a + 1))",
                "SELECT COALESCE(\"b\", ('yesterday'))", "SELECT a < 10", "SELECT COALESCE(\"a\", (a * 2))", "SELECT a > 5",
                "SELECT a"), body.statements().stream().map(Statement::text).toList());
        assertTrue(body.unparsed().isEmpty(), body.unparsed().toString());
    }

    private static String text(List<PlpgsqlBody.Part> parts) {
        StringBuilder s = new StringBuilder();
        parts.forEach(p -> s.append(p.text()));
        return s.toString();
    }
}

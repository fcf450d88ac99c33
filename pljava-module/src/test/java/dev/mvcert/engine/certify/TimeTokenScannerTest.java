package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimeTokenScannerTest {

    @Test
    void findsTimeFunctionsKeywordsAndCastLiteralsInABody() {
        String body = """
                DECLARE
                  v_day date := 'today';
                  v_label text := 'now';
                BEGIN
                  v_day := pg_catalog.now()::date;
                  PERFORM clock_timestamp();
                  RETURN CURRENT_DATE - 1 + ('yesterday'::date - date 'tomorrow') + CAST('now' AS timestamp)::date;
                END""";
        List<String> found = TimeTokenScanner.scanSource(body);
        assertEquals(List.of("'today' as a date/time value at line 2", "now() at line 5", "clock_timestamp() at line 6",
                "CURRENT_DATE at line 7", "'yesterday' as a date/time value at line 7",
                "'tomorrow' as a date/time value at line 7", "'now' as a date/time value at line 7"), found);
    }

    @Test
    void stringsCommentsLookalikeNamesAndDynamicSqlAreNotTimeTokens() {
        String body = """
                -- now() would be wrong here; /* CURRENT_DATE */ too
                /* nested /* comment now() */ still comment CURRENT_TIMESTAMP */
                SELECT 'now()' AS note, E'it''s \\' now()' AS escaped, now_price, "now" AS quoted_column,
                       $q$ SELECT now() $q$ AS dynamic, x.current_date_col, t.now_at, 'now' AS label, ml.now(1)
                  FROM t""";
        assertEquals(List.of(), TimeTokenScanner.scanSource(body));
    }

    @Test
    void aPartInDoubtReportsEveryClockStringButOnlyInsideThePart() {
        String body = "SELECT 'now' AS label;\nIF r.day > 'today' THEN x := 'epoch'; END IF;\nv := 'tomorrow';";
        int from = body.indexOf("IF");
        int to = body.indexOf("END IF");
        assertEquals(List.of("'today' (in SQL PostgreSQL could not parse here, so it may become a date/time value) at line 2"),
                TimeTokenScanner.scan(body, from, to, true));
        assertEquals(List.of(), TimeTokenScanner.scan(body, from, to, false));
        assertEquals(Map.of(new TimeTokenScanner.Call("ml", "f"), 2),
                TimeTokenScanner.calledFunctions("SELECT g(1);\nSELECT ml.f(2)", 12, 27));
    }

    @Test
    void callsAreFoundQualifiedAndUnqualified() {
        Set<TimeTokenScanner.Call> calls = TimeTokenScanner.calledFunctions("SELECT ml.cutoff() + helper(1) FROM t -- other()");
        assertTrue(calls.contains(new TimeTokenScanner.Call("ml", "cutoff")));
        assertTrue(calls.contains(new TimeTokenScanner.Call(null, "helper")));
        assertEquals(2, calls.size());
    }
}

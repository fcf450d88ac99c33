package dev.mvcert.engine.certify.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dataset hash is the documented value, whatever query computes it: per day, the row count
 * and sum(hash_record_extended(row, 0)) (the row's text form hashed where a column type has no
 * hash function), so baselines accepted by earlier versions stay valid.
 */
@ExtendWith(PostgresExtension.class)
class DatasetHasherIT {

    private static final List<LocalDate> DAYS =
            List.of(LocalDate.of(2024, 1, 2), LocalDate.of(2024, 1, 5), LocalDate.of(2030, 1, 1));

    @Test
    void eachDayIsItsRowCountAndTheSumOfItsRecordHashes(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA dh;
                CREATE TABLE dh.t AS SELECT g AS id, date '2024-01-01' + g % 7 AS day, g::numeric / 3 AS x, md5(g::text) AS s
                  FROM generate_series(1, 20000) g;
                CREATE INDEX ON dh.t (day);
                CREATE VIEW dh.v AS SELECT * FROM dh.t;
                CREATE VIEW dh.j AS SELECT id, day, json_build_object('x', x) AS doc FROM dh.t;
                ANALYZE dh.t;
                """);
        assertEquals(expected(db, "dh.v", "hash_record_extended(t.*, 0)"), hashed(db, "dh.v"), "record hashes");
        // json has no hash function: the row's text form is hashed instead
        assertEquals(expected(db, "dh.j", "hashtextextended(t.*::text, 0)"), hashed(db, "dh.j"), "text hashes");
    }

    private static List<BaselineItem> hashed(TestDatabase db, String target) throws SQLException {
        try (Connection c = db.connect()) {
            return DatasetHasher.hash(c, target, "day", DAYS);
        }
    }

    /** The documented value, computed day by day; a day without rows is 0 rows with hash 0. */
    private static List<BaselineItem> expected(TestDatabase db, String target, String rowHash) {
        return DAYS.stream().map(day -> new BaselineItem(BaselineItem.DATASET, day.toString(),
                db.queryValue(String.class, "SELECT coalesce(sum(" + rowHash + "), 0)::text FROM " + target + " t WHERE day = ?::date",
                        day.toString()),
                db.queryValue(Long.class, "SELECT count(*) FROM " + target + " WHERE day = ?::date", day.toString()))).toList();
    }
}

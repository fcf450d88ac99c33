package dev.mvcert.agent.testing;

import dev.mvcert.testing.TestDatabase;
import java.util.List;

/**
 * Pairs of succeeded or failed steps of one view whose recorded times overlap by more than
 * bookkeeping can explain. A step's recorded time brackets a little more than its refresh
 * (begin_step runs before the refresh lock is taken, finish_step after the commit released it),
 * so the next step of a view may start a few ms before the previous one is recorded as
 * finished; two refreshes of a view that takes at least 0.3 s, run at once, overlap by that long.
 */
public final class RefreshOverlaps {

    /** What bookkeeping around the refresh lock can account for. */
    public static final String BOOKKEEPING = "150 ms";

    private RefreshOverlaps() {}

    /** "view steps x and y" for each such pair among the views matching {@code matviewLike}. */
    public static List<String> of(TestDatabase db, String matviewLike) {
        return db.queryColumn("""
                SELECT x.matview || ' steps ' || x.step_id || ' and ' || y.step_id FROM audit.step x
                  JOIN audit.step y ON x.matview = y.matview AND x.step_id < y.step_id
                 WHERE x.matview LIKE ? AND x.status IN ('succeeded', 'failed') AND y.status IN ('succeeded', 'failed')
                   AND tstzrange(x.started_at, x.finished_at) && tstzrange(y.started_at, y.finished_at)
                   AND upper(tstzrange(x.started_at, x.finished_at) * tstzrange(y.started_at, y.finished_at))
                     - lower(tstzrange(x.started_at, x.finished_at) * tstzrange(y.started_at, y.finished_at)) > ?::interval
                 ORDER BY x.step_id, y.step_id""", matviewLike, BOOKKEEPING);
    }
}

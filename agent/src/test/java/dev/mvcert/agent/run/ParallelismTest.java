package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParallelismTest {

    private static final String REMOTE = "jdbc:postgresql://db.example:5432/app";

    /** A plan of {@code wide} views on level 0 (each taking {@code each}) and one view on level 1. */
    private static RefreshPlan plan(int wide, Duration each) {
        List<PlannedView> views = new ArrayList<>();
        for (int i = 0; i < wide; i++) {
            views.add(new PlannedView(i + 1, 0, "s.v" + i, "concurrently", "concurrently", null, List.of(), null, each, false));
        }
        views.add(new PlannedView(wide + 1, 1, "s.top", "concurrently", "concurrently", null, List.of("s.v0"), null, each, true));
        return new RefreshPlan("s.t", views);
    }

    @Test
    void aTwoCoreServerGetsTwoRefreshesWhenIdleAndOneWhenBusy() {
        assertEquals(2, Parallelism.choose(2, REMOTE, plan(4, Duration.ofSeconds(5)), () -> 0).views());
        assertEquals(1, Parallelism.choose(2, REMOTE, plan(4, Duration.ofSeconds(5)), () -> 1).views());
        Parallelism busy = Parallelism.choose(2, REMOTE, plan(4, Duration.ofSeconds(5)), () -> 5);
        assertEquals(1, busy.views(), "never fewer than one");
        assertTrue(busy.why().contains("5 busy"), busy.why());
    }

    @Test
    void aLargerServerGetsItsSpareCoresUpToTheWidestLevel() {
        assertEquals(4, Parallelism.choose(16, REMOTE, plan(4, Duration.ofSeconds(5)), () -> 0).views());
        assertEquals(3, Parallelism.choose(4, REMOTE, plan(6, Duration.ofSeconds(5)), () -> 1).views());
    }

    @Test
    void viewsThatRefreshInAFewMillisecondsAreNotWorthAConnectionOfTheirOwn() {
        assertEquals(1, Parallelism.choose(16, REMOTE, plan(6, Duration.ofMillis(5)), () -> 0).views());
        assertEquals(6, Parallelism.choose(16, REMOTE, plan(6, null), () -> 0).views(), "views without history count");
    }

    @Test
    void aPlanWithOneViewPerLevelRunsOneAtATimeWithoutAskingTheServer() {
        // a chain: level 0 has one view, level 1 has one view
        Parallelism chain = Parallelism.choose(16, REMOTE, plan(1, Duration.ofSeconds(5)), () -> {
            throw new AssertionError("busy sessions asked for a plan that cannot use two connections");
        });
        assertEquals(1, chain.views());
        assertTrue(chain.why().contains("widest level of views worth a connection 1"), chain.why());
        int[] asked = {0};
        Parallelism wide = Parallelism.choose(16, REMOTE, plan(3, Duration.ofSeconds(5)), () -> ++asked[0]);
        assertEquals(1, asked[0], "asked once for a plan that can use three");
        assertEquals(3, wide.views());
    }

    @Test
    void unknownRemoteCoresCountAsTwoAndLocalOnesAreThisHostsCores() {
        Parallelism remote = Parallelism.choose(0, REMOTE, plan(4, Duration.ofSeconds(5)), () -> 1);
        assertEquals(1, remote.views());
        assertTrue(remote.why().contains("server cores unknown"), remote.why());
        assertTrue(Parallelism.isLocal("jdbc:postgresql://127.0.0.1:5432/db"));
        assertTrue(Parallelism.isLocal("jdbc:postgresql://localhost/db"));
        assertTrue(Parallelism.isLocal("jdbc:postgresql://[::1]:5432/db"));
        assertFalse(Parallelism.isLocal(REMOTE));
        int local = Parallelism.choose(0, "jdbc:postgresql://localhost/db", plan(64, Duration.ofSeconds(5)), () -> 1).views();
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), local);
    }
}

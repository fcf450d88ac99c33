package dev.mvcert.agent.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.run.DependencyScheduler.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DependencySchedulerTest {

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> skipped = new ConcurrentHashMap<>();

    @Test
    void aViewStartsOnlyAfterAllItsInputsFinished() throws Exception {
        // a -> c, b -> c, c -> d; e independent
        List<Node> nodes = List.of(new Node("a", List.of()), new Node("b", List.of()), new Node("c", List.of("a", "b")),
                new Node("d", List.of("c")), new Node("e", List.of()));
        Map<String, Boolean> result = new DependencyScheduler(2).run(nodes, node -> {
            events.add("start " + node.name());
            Thread.sleep(20);
            events.add("end " + node.name());
            return true;
        }, (n, r, d) -> skipped.put(n.name(), r), () -> false);
        assertEquals(5, result.size());
        assertTrue(result.values().stream().allMatch(ok -> ok));
        assertTrue(events.indexOf("start c") > events.indexOf("end a"), events.toString());
        assertTrue(events.indexOf("start c") > events.indexOf("end b"), events.toString());
        assertTrue(events.indexOf("start d") > events.indexOf("end c"), events.toString());
        assertEquals(1, events.stream().filter("start c"::equals).count());
    }

    @Test
    void aSlowViewDoesNotHoldBackUnrelatedViewsOfTheNextLevel() throws Exception {
        // slow (level 0) and fast (level 0) -> afterFast (level 1): afterFast must start while slow still runs
        CountDownLatch afterFastStarted = new CountDownLatch(1);
        List<Node> nodes = List.of(new Node("slow", List.of()), new Node("fast", List.of()), new Node("afterFast", List.of("fast")));
        Map<String, Boolean> result = new DependencyScheduler(2).run(nodes, node -> {
            if (node.name().equals("slow")) {
                return afterFastStarted.await(5, TimeUnit.SECONDS);
            }
            if (node.name().equals("afterFast")) {
                afterFastStarted.countDown();
            }
            return true;
        }, (n, r, d) -> skipped.put(n.name(), r), () -> false);
        assertTrue(result.get("slow"), "afterFast started while slow was still running");
    }

    @Test
    void dependentsOfAFailedViewAreSkippedTransitivelyAndOthersStillRun() throws Exception {
        List<Node> nodes = List.of(new Node("a", List.of()), new Node("b", List.of("a")), new Node("c", List.of("b")),
                new Node("x", List.of()));
        Map<String, Boolean> result = new DependencyScheduler(2).run(nodes, node -> {
            events.add(node.name());
            return !node.name().equals("a");
        }, (n, r, d) -> skipped.put(n.name(), r), () -> false);
        assertEquals(Map.of("a", false, "b", false, "c", false, "x", true), result);
        assertEquals(Map.of("b", "upstream_failed", "c", "upstream_failed"), skipped);
        assertEquals(List.of("a", "x"), events.stream().sorted().toList());
    }

    @Test
    void neverMoreThanParallelTasksAtOnce() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add(new Node("v" + i, List.of()));
        }
        new DependencyScheduler(3).run(nodes, node -> {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            Thread.sleep(15);
            now.decrementAndGet();
            return true;
        }, (n, r, d) -> { }, () -> false);
        assertEquals(3, peak.get());
    }

    @Test
    void onceStoppingNothingNewStartsAndTheRestIsCancelled() throws Exception {
        List<Node> nodes = List.of(new Node("a", List.of()), new Node("b", List.of("a")), new Node("c", List.of("b")));
        AtomicInteger started = new AtomicInteger();
        boolean[] stop = {false};
        Map<String, Boolean> result = new DependencyScheduler(1).run(nodes, node -> {
            started.incrementAndGet();
            stop[0] = true; // shutdown requested while a is running
            return true;
        }, (n, r, d) -> skipped.put(n.name(), r), () -> stop[0]);
        assertEquals(1, started.get());
        assertEquals(Map.of("b", "cancelled", "c", "cancelled"), skipped);
        assertTrue(result.get("a"));
    }
}

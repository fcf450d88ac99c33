package dev.mvcert.agent.run;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The run path's helper threads: daemons, named, the first started at once rather than when the first task is due. */
final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * Up to {@code maxThreads} threads named {@code name}, each gone after a minute idle; tasks
     * wait in {@code queue} (a SynchronousQueue: a new thread when none is free).
     */
    static ExecutorService started(String name, int maxThreads, BlockingQueue<Runnable> queue) {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(1, maxThreads, 60L, TimeUnit.SECONDS, queue, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        threads.allowCoreThreadTimeOut(true);
        threads.prestartCoreThread();
        return threads;
    }
}

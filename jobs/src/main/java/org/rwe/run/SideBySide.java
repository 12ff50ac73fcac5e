package org.rwe.run;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Independent small Spark jobs run side by side from the driver (Spark runs concurrent jobs): where
 * the time per item is planning and scheduling, not data (tables of an ingest wave, result tables).
 * Threads are made here, after the caller set its job group, so they inherit it.
 *
 * <p>When one item fails, the items not started are not started, the Spark jobs of the running ones
 * are cancelled (a job tag of this call), and the call returns (with the first failure) only once
 * every thread has stopped: nothing of a failed call goes on writing after it, into a folder the
 * caller may be about to inspect or delete.
 */
public final class SideBySide {
  private SideBySide() {}

  /** {@code task} of each item, at most {@code threads} at once; results in the items' order. */
  public static <T, R> List<R> map(List<T> items, int threads, Function<T, R> task) {
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(items.size(), threads)));
    SparkContext sc = SparkSession.active().sparkContext();
    String tag = "rwe-side-by-side-" + UUID.randomUUID();
    List<Future<R>> futures = new ArrayList<>();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    // Completions in the order they happen, so that a failure is seen when it happens, not when
    // the items before it are done.
    ExecutorCompletionService<R> done = new ExecutorCompletionService<>(pool);
    try {
      for (T item : items) {
        futures.add(
            done.submit(
                () -> {
                  // Set by the failing item's own thread before that thread can take the next
                  // item from the queue (the caller's cancel would come too late for it).
                  if (firstFailure.get() != null) {
                    throw new CancellationException("an earlier item failed");
                  }
                  sc.addJobTag(tag);
                  try {
                    return task.apply(item);
                  } catch (Throwable e) { // also SparkException, checked but thrown undeclared
                    firstFailure.compareAndSet(null, e);
                    throw e;
                  } finally {
                    sc.removeJobTag(tag);
                  }
                }));
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          done.take().get();
        } catch (ExecutionException e) {
          stop(pool, futures, sc, tag);
          // The first failing item's own exception (not an item skipped after it), as if run
          // here (SparkException is checked in Java but thrown undeclared; callers classify
          // failures by type and cause).
          Throwable first = firstFailure.get();
          throw SideBySide.<RuntimeException>rethrow(first != null ? first : e.getCause());
        } catch (InterruptedException e) {
          stop(pool, futures, sc, tag);
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      List<R> out = new ArrayList<>();
      for (Future<R> f : futures) {
        out.add(doneValue(f));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void stop(
      ExecutorService pool, List<? extends Future<?>> futures, SparkContext sc, String tag) {
    for (Future<?> f : futures) {
      f.cancel(false);
    }
    pool.shutdown();
    sc.cancelJobsWithTag(tag);
    boolean interrupted = false;
    while (true) {
      try {
        if (pool.awaitTermination(1, TimeUnit.SECONDS)) {
          break;
        }
        // A job may have started between the cancel and now.
        sc.cancelJobsWithTag(tag);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The value of a future known to have completed normally. */
  private static <R> R doneValue(Future<R> f) {
    try {
      return f.get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("a completed item has no value", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }
}

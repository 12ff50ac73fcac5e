package org.rwe.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Independent small Spark jobs run side by side from the driver (Spark runs concurrent jobs): where
 * the time per item is planning and scheduling, not data (tables of an ingest wave, result tables).
 * Threads are made here, after the caller set its job group, so they inherit it.
 */
public final class SideBySide {
  private SideBySide() {}

  /** {@code task} of each item, at most {@code threads} at once; results in the items' order. */
  public static <T, R> List<R> map(List<T> items, int threads, Function<T, R> task) {
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(items.size(), threads)));
    try {
      List<Future<R>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> task.apply(item)));
      }
      List<R> out = new ArrayList<>();
      for (Future<R> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          // The task's own exception, as if run here (SparkException is checked in Java but
          // thrown undeclared; callers classify failures by type and cause).
          throw SideBySide.<RuntimeException>rethrow(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }
}

package org.rwe.run;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress inside a long stage, for the console of {@code bin/rwe run}: every interval, one line
 * with how long the stage has run, the Spark jobs and tasks it has finished and what it is doing
 * now (the description of its latest job), and only when something finished since the last line.
 * The stage is read from the job group every stage sets ({@code rwe-<stage>}), so nothing else has
 * to tell this listener. Not used with {@code --verbose}, where Spark logs its own progress.
 */
public final class Progress extends SparkListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final SparkContext sc;
  private final ScheduledExecutorService timer;
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong ended = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();
  private final AtomicLong tasks = new AtomicLong();
  private volatile String stage;
  private volatile String doing = "";
  private volatile long stageStarted;
  private long reportedTasks = -1;

  private Progress(SparkContext sc, Duration every) {
    this.sc = sc;
    sc.addSparkListener(this);
    if (every == null) {
      timer = null;
    } else {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "rwe-progress");
                t.setDaemon(true);
                return t;
              });
      long ms = every.toMillis();
      timer.scheduleAtFixedRate(
          () -> {
            String line = line();
            if (line != null) {
              LOG.info(line);
            }
          },
          ms,
          ms,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Logs a line every {@code every} while a stage runs. */
  public static Progress start(SparkContext sc, Duration every) {
    return new Progress(sc, every);
  }

  /** Counts only: {@link #finish} and {@link #line} are asked by the caller. */
  public static Progress counting(SparkContext sc) {
    return new Progress(sc, null);
  }

  /** Spark jobs and tasks one stage ran. */
  public record Work(long jobs, long tasks) {}

  /**
   * What {@code stageId} ran, once Spark's listener bus has delivered the end of every job started
   * (it delivers asynchronously, in order: a job's tasks before its end), waiting 5 s at most.
   */
  public Work finish(String stageId) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (ended.get() < started.get() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (this) {
      return stageId.equals(stage) ? new Work(jobs.get(), tasks.get()) : new Work(0, 0);
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    started.incrementAndGet();
    Properties p = e.properties();
    String group = p == null ? null : p.getProperty("spark.jobGroup.id");
    if (group == null || !group.startsWith("rwe-")) {
      return;
    }
    String id = group.substring("rwe-".length());
    synchronized (this) {
      if (!id.equals(stage)) {
        stage = id;
        stageStarted = System.nanoTime();
        jobs.set(0);
        tasks.set(0);
        reportedTasks = -1;
      }
    }
    String description = p.getProperty("spark.job.description", "");
    // "propensity: cross-validation ..." -> "cross-validation ...".
    doing = description.startsWith(id + ": ") ? description.substring(id.length() + 2) : "";
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    jobs.incrementAndGet();
    ended.incrementAndGet();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    tasks.incrementAndGet();
  }

  /** The progress line, or null when no task finished since the last one (or no stage runs). */
  synchronized String line() {
    long t = tasks.get();
    if (stage == null || t == reportedTasks) {
      return null;
    }
    reportedTasks = t;
    long seconds = (System.nanoTime() - stageStarted) / 1_000_000_000L;
    return String.format(
        "stage %s: %d min %02d s, %,d Spark jobs and %,d tasks done%s",
        stage, seconds / 60, seconds % 60, jobs.get(), t, doing.isEmpty() ? "" : "; now: " + doing);
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    sc.removeSparkListener(this);
  }
}

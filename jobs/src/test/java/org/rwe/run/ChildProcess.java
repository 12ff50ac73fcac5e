package org.rwe.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A process the operational tests start (bin/rwe, a Spark master, worker or spark-submit): its
 * output goes to a log file and is kept for waiting on lines; {@link #kill} sends SIGKILL to it and
 * every process it started. Every instance is also killed when the test JVM exits, so nothing
 * outlives a failed test.
 */
final class ChildProcess implements AutoCloseable {
  private static final List<ChildProcess> ALL = Collections.synchronizedList(new ArrayList<>());

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> new ArrayList<>(ALL).forEach(ChildProcess::kill)));
  }

  final String name;
  final Process process;
  final Path log;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ChildProcess start(
      String name, List<String> command, Path workDir, Map<String, String> env, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
      pb.redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      ChildProcess c = new ChildProcess(name, p, log);
      ALL.add(c);
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter w =
                        new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    c.lines.add(line);
                    w.println(line);
                    w.flush();
                  }
                } catch (IOException e) {
                  // the process is gone
                }
              },
              "pump-" + name);
      pump.setDaemon(true);
      pump.start();
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  String output() {
    return String.join("\n", lines());
  }

  /** Waits for an output line matching, failing when the process ends first or time runs out. */
  String awaitLine(Predicate<String> matches, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      List<String> now = lines();
      for (int i = seen; i < now.size(); i++) {
        if (matches.test(now.get(i))) {
          return now.get(i);
        }
      }
      seen = now.size();
      if (!process.isAlive()) {
        sleep(200); // let the pump drain the last lines
        for (String l : lines().subList(seen, lines().size())) {
          if (matches.test(l)) {
            return l;
          }
        }
        throw new AssertionError(
            name + " ended (exit " + process.exitValue() + ") before the line; log " + log);
      }
      sleep(100);
    }
    throw new AssertionError(name + ": no such line within " + timeout + "; log " + log);
  }

  /** Waits for the process to end and returns its exit code. */
  int await(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new AssertionError(name + " did not end within " + timeout + "; log " + log);
      }
      sleep(200);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL to the process and everything it started (children first seen, then it). */
  void kill() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(30, TimeUnit.SECONDS);
      for (ProcessHandle d : descendants) {
        d.onExit().get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // reported by the caller's checks
    }
    ALL.remove(this);
  }

  /** SIGTERM, a grace period, then SIGKILL: lets a Spark worker stop its executors itself. */
  void stop(Duration grace) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill();
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
    ALL.remove(this);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

package org.rwe.run;

import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a finished run visible. Readers find runs as {@code <study dir>/<run id>/} (complete when
 * it holds {@code _SUCCESS}) or through the {@code latest} file, which names one of them.
 *
 * <p>The invariants, after every single step and so whenever the process is killed:
 *
 * <ul>
 *   <li>every visible folder of the study dir (not {@code .hidden}, not {@code *.inprogress}) holds
 *       {@code _SUCCESS}: a run folder appears only by renaming a complete work folder, and
 *       disappears only after being renamed to a hidden name;
 *   <li>{@code latest} (once it exists) names a folder that exists and holds {@code _SUCCESS}; it
 *       is replaced atomically, never deleted.
 * </ul>
 *
 * A first publication is one rename. Replacing a published run of the same id cannot be one rename
 * (a folder cannot be renamed over a non-empty one), so the old run is moved aside to {@code
 * <id>.replaced-<time>} and deleted after the new one is in place; while {@code latest} names the
 * run being replaced, it is first pointed at the complete new run (still under its work name), then
 * at the old one moved aside, then at the new one in place. A reader of {@code <id>/} itself sees
 * the old run, for a moment no run, then the new run; never a partial one. Running again after a
 * kill at any step finishes the job ({@link #settle}).
 */
final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  static final String REPLACED = ".replaced-";

  private final RunFiles files;
  private final String studyDir;
  private final String id;

  /** Called after every step with its name: fault points in a run, invariant checks in tests. */
  private final Consumer<String> step;

  Publisher(RunFiles files, String studyDir, String id, Consumer<String> step) {
    this.files = files;
    this.studyDir = studyDir;
    this.id = id;
    this.step = step;
  }

  String published() {
    return studyDir + "/" + id;
  }

  String work() {
    return published() + ".inprogress";
  }

  String latestFile() {
    return studyDir + "/" + RunFiles.LATEST;
  }

  /** The run folder name {@code latest} holds, or null. */
  String latest() throws IOException {
    String text = files.read(latestFile());
    return text == null ? null : text.trim();
  }

  private void pointLatestAt(String name, String stepName) throws IOException {
    files.replaceAtomically(latestFile(), name + "\n");
    step.accept(stepName);
  }

  /** Publishes the complete work folder (its manifest written) as the run, then 'latest'. */
  void publish() throws IOException {
    String work = work();
    String published = published();
    String workName = id + ".inprogress";
    files.write(work + "/" + RunFiles.SUCCESS, "");
    step.accept("success-written");
    String aside = null;
    if (files.exists(published)) {
      aside = published + REPLACED + System.currentTimeMillis();
      if (id.equals(latest())) {
        pointLatestAt(workName, "latest-on-work");
      }
      files.rename(published, aside);
      step.accept("old-moved-aside");
      if (workName.equals(latest())) {
        pointLatestAt(nameOf(aside), "latest-on-old");
      }
    } else if (workName.equals(latest())) {
      // A publish killed after moving the old run aside: 'latest' names the work folder, which is
      // about to move; point it at the old run first.
      String old = completeReplaced();
      if (old != null) {
        pointLatestAt(old, "latest-on-old");
      }
    }
    files.rename(work, published);
    step.accept("renamed");
    pointLatestAt(id, "latest-updated");
    removeReplaced();
  }

  /**
   * Finishes a publish that was killed after the rename (the run is in place, but 'latest' may
   * still name the work folder or the old copy, and the old copy may remain). Does nothing while
   * the run is not in place: then {@link #publish} finishes the job, and may need the old copy.
   * Called at the start of every run, so that nothing a run deletes is still named by 'latest'.
   */
  void settle() throws IOException {
    if (!files.isComplete(published())) {
      return;
    }
    String latest = latest();
    if (latest != null && (latest.equals(id + ".inprogress") || latest.startsWith(id + REPLACED))) {
      pointLatestAt(id, "latest-updated");
    }
    removeReplaced();
  }

  private String completeReplaced() throws IOException {
    for (String name : files.list(studyDir)) {
      if (name.startsWith(id + REPLACED) && files.isComplete(studyDir + "/" + name)) {
        return name;
      }
    }
    return null;
  }

  /**
   * Deletes copies of this run moved aside by earlier publishes, except one 'latest' names. Each is
   * first renamed to a hidden name, so no visible folder ever lacks _SUCCESS while it is deleted.
   */
  private void removeReplaced() throws IOException {
    String latest = latest();
    for (String name : files.list(studyDir)) {
      if (name.startsWith(id + REPLACED) && !name.equals(latest)) {
        files.rename(studyDir + "/" + name, studyDir + "/." + name);
        step.accept("replaced-hidden");
        LOG.info("removing the replaced copy {}", name);
      }
    }
    for (String name : files.list(studyDir)) {
      if (name.startsWith("." + id + REPLACED)) {
        files.delete(studyDir + "/" + name);
        step.accept("replaced-removed");
      }
    }
  }

  private static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}

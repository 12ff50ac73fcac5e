package org.rwe.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The file operations of a run (folders, small metadata files, renames, the {@code latest} pointer)
 * on whatever Hadoop FileSystem holds the output. Small files are written without Hadoop's {@code
 * .crc} side files on the local file system, so the run folder holds only what readers need.
 */
final class RunFiles {
  /** Marks a complete run; written last, just before the run folder is renamed into place. */
  static final String SUCCESS = "_SUCCESS";

  static final String LATEST = "latest";

  private final FileSystem fs;
  private final Configuration conf;

  RunFiles(FileSystem fs, Configuration conf) {
    // Metadata files go through the raw local file system: no .crc files beside them, and a
    // pointer replaced by java.nio is never checked against a stale checksum.
    this.fs = fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    this.conf = conf;
  }

  static RunFiles forPath(String path, Configuration conf) {
    try {
      return new RunFiles(new Path(path).getFileSystem(conf), conf);
    } catch (IOException e) {
      throw new OutputException("Cannot open output location " + path + ": " + e.getMessage(), e);
    }
  }

  FileSystem fs() {
    return fs;
  }

  String qualified(String path) {
    return fs.makeQualified(new Path(path)).toString();
  }

  boolean exists(String path) throws IOException {
    return fs.exists(new Path(path));
  }

  boolean isComplete(String runDir) throws IOException {
    return fs.exists(new Path(runDir, SUCCESS));
  }

  void mkdirs(String path) throws IOException {
    if (!fs.mkdirs(new Path(path))) {
      throw new IOException("cannot create folder " + path);
    }
  }

  void delete(String path) throws IOException {
    Path p = new Path(path);
    if (fs.exists(p) && !fs.delete(p, true)) {
      throw new IOException("cannot delete " + path);
    }
  }

  void rename(String from, String to) throws IOException {
    // Hadoop's rename moves a folder *into* an existing folder; the callers make sure 'to' does
    // not exist, and this makes sure of it.
    if (fs.exists(new Path(to))) {
      throw new IOException("cannot rename " + from + " to " + to + ": the target exists");
    }
    if (!fs.rename(new Path(from), new Path(to))) {
      throw new IOException("cannot rename " + from + " to " + to);
    }
  }

  /** Copies a folder (or file); the target must not exist. */
  void copy(String from, String to) throws IOException {
    if (!FileUtil.copy(fs, new Path(from), fs, new Path(to), false, true, conf)) {
      throw new IOException("cannot copy " + from + " to " + to);
    }
  }

  /** Names of the entries of a folder (empty when it does not exist). */
  List<String> list(String dir) throws IOException {
    List<String> names = new ArrayList<>();
    Path p = new Path(dir);
    if (!fs.exists(p)) {
      return names;
    }
    for (FileStatus s : fs.listStatus(p)) {
      names.add(s.getPath().getName());
    }
    names.sort(null);
    return names;
  }

  void write(String path, String text) throws IOException {
    try (OutputStream out = fs.create(new Path(path), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The file's text, or null when it does not exist. */
  String read(String path) throws IOException {
    Path p = new Path(path);
    if (!fs.exists(p)) {
      return null;
    }
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      in.transferTo(buf);
      return buf.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * Writes a small file so that readers see the old content or the new, never a missing or half
   * written file: write a temporary file beside it, then rename it over the target. Atomic on the
   * local file system (rename(2)) and on HDFS (rename with OVERWRITE); on object stores a rename is
   * a copy, see docs/operations.md.
   */
  void replaceAtomically(String path, String text) throws IOException {
    Path target = new Path(path);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    write(tmp.toString(), text);
    try {
      if (fs instanceof RawLocalFileSystem raw) {
        java.nio.file.Files.move(
            raw.pathToFile(tmp).toPath(),
            raw.pathToFile(target).toPath(),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        // A checksum left by an older version would no longer match the new content.
        java.nio.file.Files.deleteIfExists(
            raw.pathToFile(new Path(target.getParent(), "." + target.getName() + ".crc")).toPath());
      } else {
        FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
      }
    } finally {
      fs.delete(tmp, false);
    }
  }
}

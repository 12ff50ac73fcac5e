package org.rwe.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.rwe.omop.InputException;

/**
 * What the input extract is, without reading its rows: per table, the file or folder found and
 * every data file in it with its size and modification time. Computed on the driver through
 * Hadoop's FileSystem, so it works for local, HDFS and object-store inputs alike.
 *
 * @param root the input folder, fully qualified
 * @param tables the tables found, in CDM order
 */
public record InputFingerprint(String root, List<Table> tables) {

  /** One located table. {@code name} is the file or folder name within the input folder. */
  public record Table(String table, String name, String format, long bytes, List<DataFile> files) {}

  /** {@code path} is relative to the table's folder ("" for a single-file table). */
  public record DataFile(String path, long bytes, long modified) {}

  public static InputFingerprint of(SparkSession spark, String input) {
    ExtractReader reader = new ExtractReader(spark, input);
    try {
      FileSystem fs = reader.root().getFileSystem(spark.sparkContext().hadoopConfiguration());
      String root = fs.makeQualified(reader.root()).toString();
      List<Table> tables = new ArrayList<>();
      for (CdmTable t : CdmTable.values()) {
        var located = reader.locate(t);
        if (located.isEmpty()) {
          continue;
        }
        tables.add(table(fs, located.get()));
      }
      return new InputFingerprint(root, List.copyOf(tables));
    } catch (IOException e) {
      throw new InputException("Cannot list input folder " + input + ": " + e.getMessage(), e);
    }
  }

  /** One located table: its data files (hidden ones skipped, as Spark does) and their sizes. */
  static Table table(FileSystem fs, ExtractReader.Located located) throws IOException {
    Path path = located.path();
    List<DataFile> files = new ArrayList<>();
    FileStatus status = fs.getFileStatus(path);
    if (status.isFile()) {
      files.add(new DataFile("", status.getLen(), status.getModificationTime()));
    } else {
      String base = fs.makeQualified(path).toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String rel = f.getPath().toUri().getPath().substring(base.length() + 1);
        if (hidden(rel)) {
          continue; // Spark skips these (_SUCCESS, .crc, _temporary/) when it reads the folder
        }
        files.add(new DataFile(rel, f.getLen(), f.getModificationTime()));
      }
      files.sort(java.util.Comparator.comparing(DataFile::path));
    }
    long bytes = files.stream().mapToLong(DataFile::bytes).sum();
    return new Table(
        located.table().cdmName(), path.getName(), located.format(), bytes, List.copyOf(files));
  }

  /**
   * The hash a run id is derived from: table, file name and size of every table. It leaves out
   * modification times and the folder's location, so the same extract delivered again (or copied)
   * gets the same run id.
   */
  public String runIdHash() {
    StringBuilder sb = new StringBuilder();
    for (Table t : tables) {
      sb.append(t.table()).append(':').append(t.name()).append(':').append(t.bytes()).append(';');
    }
    return sha256(sb.toString()).substring(0, 8);
  }

  /**
   * The hash stage outputs are made from: the location and every data file with its size and
   * modification time, so a file rewritten in place (same name and size) still invalidates ingest.
   */
  public String contentHash() {
    StringBuilder sb = new StringBuilder(root).append('\n');
    for (Table t : tables) {
      for (DataFile f : t.files()) {
        sb.append(t.table())
            .append('\t')
            .append(t.name())
            .append('/')
            .append(f.path())
            .append('\t')
            .append(f.bytes())
            .append('\t')
            .append(f.modified())
            .append('\n');
      }
    }
    return sha256(sb.toString());
  }

  /**
   * The fingerprint of a file or folder outside the extract that a stage reads (a cohort table):
   * every data file with its size and modification time, or "missing" (the stage then fails and
   * says so). Relative paths are relative to the driver's working folder, as Spark reads them.
   */
  static String ofPath(org.apache.hadoop.conf.Configuration conf, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return "missing";
      }
      StringBuilder sb = new StringBuilder(fs.makeQualified(p).toString()).append('\n');
      FileStatus status = fs.getFileStatus(p);
      if (status.isFile()) {
        sb.append(status.getLen()).append('\t').append(status.getModificationTime());
      } else {
        String base = fs.makeQualified(p).toUri().getPath();
        List<String> lines = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
        while (it.hasNext()) {
          LocatedFileStatus f = it.next();
          String rel = f.getPath().toUri().getPath().substring(base.length() + 1);
          if (!hidden(rel)) {
            lines.add(rel + '\t' + f.getLen() + '\t' + f.getModificationTime());
          }
        }
        lines.sort(null);
        lines.forEach(l -> sb.append(l).append('\n'));
      }
      return sha256(sb.toString());
    } catch (IOException | IllegalArgumentException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private static boolean hidden(String relativePath) {
    for (String part : relativePath.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

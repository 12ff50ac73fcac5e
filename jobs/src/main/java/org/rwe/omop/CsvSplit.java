package org.rwe.omop;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One task's share of a delimited text table: a whole file, or a byte range of a plain (not
 * compressed) file, so that one large file is read by many tasks.
 *
 * <p>A range other than a file's first cannot know whether its first line break is a record's end
 * or sits inside a quoted field that began in the range before. It starts at its first line and
 * assumes the former; the ranges of a file are right together exactly when each range's {@link
 * CsvRecordReader#nextOffset()} equals the next range's {@link CsvRecordReader#firstOffset()},
 * which the caller checks after the read (and reads the file whole when they do not meet).
 *
 * @param index the split's position among its table's splits
 * @param fileIndex the file's position among its table's files
 * @param start first byte of the range
 * @param end the range ends before this byte ({@code Long.MAX_VALUE}: the whole file)
 */
public record CsvSplit(int index, int fileIndex, String path, long start, long end, boolean gzip)
    implements Serializable {

  /** True for the split that starts its file (and reads past its header). */
  public boolean first() {
    return start == 0;
  }

  /** Whether a file is read as gzip (by its name, as the table's files are found). */
  static boolean isGzip(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".gz");
  }

  /**
   * The splits of a table's files: a gzip file whole (it cannot be entered mid-stream), a plain
   * file in ranges of {@code splitBytes}, a file listed in {@code whole} whole.
   */
  public static List<CsvSplit> plan(
      List<Path> files, List<Long> lengths, long splitBytes, java.util.Set<String> whole) {
    List<CsvSplit> out = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      String path = files.get(f).toString();
      boolean gzip = isGzip(files.get(f).getName());
      long length = lengths.get(f);
      if (gzip || whole.contains(path) || length <= splitBytes) {
        out.add(new CsvSplit(out.size(), f, path, 0, Long.MAX_VALUE, gzip));
        continue;
      }
      for (long s = 0; s < length; s += splitBytes) {
        long e = s + splitBytes >= length ? Long.MAX_VALUE : s + splitBytes;
        out.add(new CsvSplit(out.size(), f, path, s, e, false));
      }
    }
    return out;
  }

  /**
   * A reader of this split's records: past the header in the first split, from the first whole line
   * in the others.
   */
  public CsvRecordReader open(Configuration conf, char delimiter, int maxRecordLines) {
    Path p = new Path(path);
    InputStream in;
    try {
      FileSystem fs = p.getFileSystem(conf);
      FSDataInputStream raw = fs.open(p, 1 << 16);
      // A range starts one byte early, so that a line that begins exactly at its start is its own.
      long from = first() ? 0 : start - 1;
      if (from > 0) {
        raw.seek(from);
      }
      in = gzip ? new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16) : raw;
      CsvRecordReader reader =
          new CsvRecordReader(in, delimiter, path, maxRecordLines, from, end, !first());
      if (first()) {
        reader.skipLine();
      }
      return reader;
    } catch (ZipException | java.io.EOFException e) {
      throw new InputException(
          "File " + path + " is not a readable gzip file (truncated or corrupt): " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new InputException("File " + path + ": cannot read it: " + e.getMessage(), e);
    }
  }
}

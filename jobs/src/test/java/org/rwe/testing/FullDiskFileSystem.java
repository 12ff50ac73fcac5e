package org.rwe.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local file system under the scheme {@code fulldisk:}, where every file whose path contains
 * the text in {@code rwe.test.fullDisk.pathContains} fails on its first write with the error the
 * kernel gives for a full disk (ENOSPC). Spark's writers, on the driver or in tasks, meet it
 * exactly as they would meet a full disk. Register with {@link #register}.
 */
public class FullDiskFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "fulldisk";
  public static final String PATH_CONTAINS = "rwe.test.fullDisk.pathContains";

  private String fullFor = "\0";

  public static void register(Configuration conf, String pathContains) {
    conf.set("fs." + SCHEME + ".impl", FullDiskFileSystem.class.getName());
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    conf.set(PATH_CONTAINS, pathContains);
  }

  @Override
  public void initialize(URI uri, Configuration conf) throws IOException {
    super.initialize(uri, conf);
    fullFor = conf.get(PATH_CONTAINS, "\0");
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  // Every create and append of the local file system opens its stream through these two.
  @Override
  protected OutputStream createOutputStream(Path f, boolean append) throws IOException {
    OutputStream out = super.createOutputStream(f, append);
    return f.toString().contains(fullFor) ? full(out) : out;
  }

  @Override
  protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission)
      throws IOException {
    OutputStream out = super.createOutputStreamWithMode(f, append, permission);
    return f.toString().contains(fullFor) ? full(out) : out;
  }

  private static OutputStream full(OutputStream real) throws IOException {
    real.close();
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("No space left on device");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("No space left on device");
      }
    };
  }
}

package org.rwe.omop;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * The records of a delimited text file (or of one byte range of it), read from its bytes as RFC
 * 4180 says, and counted by the file rather than by a parser's guess:
 *
 * <ul>
 *   <li>a line ends at LF, CRLF or a lone CR, whichever each line uses (files that switch part-way,
 *       and CR-only files, read line for line);
 *   <li>a field that starts with a double quote runs to the closing quote ({@code ""} inside is one
 *       quote) and may hold delimiters and line breaks; a quote inside an unquoted field is a
 *       character like any other;
 *   <li>a blank line (nothing, or only spaces and tabs) is not a record: it is counted apart;
 *   <li>a record is <em>malformed</em> when a closing quote is followed by something other than a
 *       delimiter or the end of the line, or when a quoted field is still open at the end of the
 *       file or after {@code maxRecordLines} lines. Such a record is reported as its first line
 *       only, and reading resumes at the next line: an unbalanced quote costs the line it is on and
 *       never swallows the rows after it.
 * </ul>
 *
 * <p>Every byte of every record is checked: text that is not UTF-8, or a NUL byte (UTF-16, binary),
 * anywhere in the file stops the read with an {@link InputException} naming the file and line, as
 * does a gzip stream that is corrupt or ends early.
 *
 * <p>A reader may cover a byte range of a plain file (a split): it then starts at the first line
 * that begins at or after the range's start and reads every record that begins before the range's
 * end. Whether that first line really began a record (and not the inside of a quoted field) cannot
 * be known locally; {@link #firstOffset()} and {@link #nextOffset()} let the caller check that
 * consecutive ranges meet (see {@link CsvSplit}).
 */
public final class CsvRecordReader implements Closeable {
  /** The longest record (all its lines) that is read as one; beyond it the file is refused. */
  static final int MAX_RECORD_BYTES = 64 << 20;

  private static final byte QUOTE = '"';
  private static final byte LF = '\n';
  private static final byte CR = '\r';

  private final InputStream in;
  private final byte delim;
  private final String file;
  private final int maxRecordLines;
  private final long limit;

  private byte[] buf = new byte[1 << 17];
  private int lim;
  private long bufOffset;
  private boolean eof;

  /** Start of the next unread line (index into buf); also the anchor kept when buf is refilled. */
  private int pos;

  private long nextLine;
  private long firstOffset = -1;

  // The current record: [recStart, recStart + recLength) of buf, without its final line break.
  private int recStart;
  private int recLength;
  private long recLine;
  private int nFields;
  private int[] fStart = new int[32];
  private int[] fEnd = new int[32];
  private boolean[] fEscaped = new boolean[32];
  private boolean[] fQuoted = new boolean[32];
  private boolean ascii;
  private String malformed;

  private long records;
  private long blankLines;

  /**
   * @param in the file's bytes (decompressed), positioned at {@code startOffset}
   * @param startOffset where {@code in} starts in the file; 0 for a whole file
   * @param limit records that begin at or after this offset are left to the next range ({@link
   *     Long#MAX_VALUE} for a whole file)
   * @param partialFirstLine true when {@code in} may start inside a line (a range that does not
   *     start the file): the bytes up to the first line break belong to the previous range. The
   *     caller starts such a range one byte early, so that a line beginning exactly at the range's
   *     start is kept.
   */
  public CsvRecordReader(
      InputStream in,
      char delimiter,
      String file,
      int maxRecordLines,
      long startOffset,
      long limit,
      boolean partialFirstLine) {
    if (maxRecordLines < 1) {
      throw new IllegalArgumentException("maxRecordLines must be >= 1");
    }
    this.in = in;
    this.delim = (byte) delimiter;
    this.file = file;
    this.maxRecordLines = maxRecordLines;
    this.limit = limit;
    this.bufOffset = startOffset;
    this.nextLine = 1;
    if (partialFirstLine) {
      skipToNextLine();
      nextLine = 1;
    }
    firstOffset = bufOffset + pos;
  }

  /** Skips one physical line (the header), counting it as line 1. */
  public void skipLine() {
    skipToNextLine();
  }

  private void skipToNextLine() {
    recStart = pos;
    int end = lineEnd(0);
    pos = recStart + afterBreak(end);
    nextLine++;
  }

  /**
   * Moves to the next record; false at the end of the file or of the range. Blank lines on the way
   * are counted ({@link #blankLines()}).
   */
  public boolean next() {
    while (true) {
      recStart = pos;
      if (bufOffset + pos >= limit) {
        return false;
      }
      int end = lineEnd(0);
      if (end == 0 && recStart >= lim && eof) {
        return false;
      }
      if (blank(recStart, recStart + end)) {
        blankLines++;
        pos = recStart + afterBreak(end);
        nextLine++;
        continue;
      }
      recLine = nextLine;
      malformed = null;
      int firstLineEnd = end;
      int lines = 1;
      while (true) {
        int state = parseFields(end);
        if (state == OK) {
          break;
        }
        if (state == STRAY_QUOTE) {
          malformed =
              "a closing quote is followed by text, not by a delimiter or the end of the line"
                  + " (a quote inside a quoted field must be doubled)";
          break;
        }
        // A quoted field is still open at the end of this line: the record goes on.
        if (recStart + end >= lim && eof) {
          malformed = "a quoted field is not closed before the end of the file (unbalanced quote)";
          break;
        }
        if (lines >= maxRecordLines) {
          malformed =
              "a quoted field is not closed within "
                  + maxRecordLines
                  + " lines (unbalanced quote? ingest.maxRecordLines)";
          break;
        }
        end = lineEnd(afterBreak(end));
        lines++;
      }
      if (malformed != null) {
        // Only the first line is this record; the lines after it are read afresh.
        recLength = firstLineEnd;
        nFields = 0;
        pos = recStart + afterBreak(firstLineEnd);
        nextLine++;
      } else {
        recLength = end;
        pos = recStart + afterBreak(end);
        nextLine += lines;
      }
      checkText();
      records++;
      return true;
    }
  }

  private static final int OK = 0;
  private static final int OPEN_QUOTE = 1;
  private static final int STRAY_QUOTE = 2;

  /** Splits [recStart, recStart + end) into fields; the record's bytes are not changed. */
  private int parseFields(int end) {
    final byte[] b = buf;
    final int e = recStart + end;
    final byte d = delim;
    int i = recStart;
    nFields = 0;
    while (true) {
      if (i < e && b[i] == QUOTE) {
        int start = ++i;
        boolean escaped = false;
        while (true) {
          if (i >= e) {
            return OPEN_QUOTE;
          }
          if (b[i] == QUOTE) {
            if (i + 1 < e && b[i + 1] == QUOTE) {
              escaped = true;
              i += 2;
              continue;
            }
            addField(start, i, escaped, true);
            i++;
            if (i == e) {
              return OK;
            }
            if (b[i] != d) {
              return STRAY_QUOTE;
            }
            i++;
            if (i == e) {
              addField(e, e, false, false);
              return OK;
            }
            break;
          }
          i++;
        }
      } else {
        int start = i;
        while (i < e && b[i] != d) {
          i++;
        }
        addField(start, i, false, false);
        if (i == e) {
          return OK;
        }
        i++;
        if (i == e) {
          addField(e, e, false, false);
          return OK;
        }
      }
    }
  }

  private void addField(int start, int end, boolean escaped, boolean quoted) {
    if (nFields == fStart.length) {
      int n = nFields * 2;
      fStart = Arrays.copyOf(fStart, n);
      fEnd = Arrays.copyOf(fEnd, n);
      fEscaped = Arrays.copyOf(fEscaped, n);
      fQuoted = Arrays.copyOf(fQuoted, n);
    }
    // Kept relative to the record's start: buf may move while a record grows.
    fStart[nFields] = start - recStart;
    fEnd[nFields] = end - recStart;
    fEscaped[nFields] = escaped;
    fQuoted[nFields] = quoted;
    nFields++;
  }

  /** Every byte of the record: UTF-8, no NUL. Sets {@link #ascii}. */
  private void checkText() {
    final byte[] b = buf;
    int high = 0;
    int e = recStart + recLength;
    for (int i = recStart; i < e; i++) {
      int v = b[i];
      high |= v;
      if (v == 0) {
        throw new InputException(
            "File "
                + file
                + " is not UTF-8 text: line "
                + lineOf(i)
                + " holds a NUL byte (UTF-16 or binary?)");
      }
    }
    ascii = high >= 0;
    if (ascii) {
      return;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer bytes = ByteBuffer.wrap(b, recStart, recLength);
    CoderResult r = decoder.decode(bytes, CharBuffer.allocate(recLength), true);
    if (r.isError()) {
      int at = bytes.position();
      throw new InputException(
          String.format(
              "File %s is not UTF-8 text (byte 0x%02X on line %d; convert it to UTF-8)",
              file, b[at] & 0xFF, lineOf(at)));
    }
  }

  /** The physical line of a byte of the current record. */
  private long lineOf(int index) {
    long line = recLine;
    for (int i = recStart; i < index; i++) {
      if (buf[i] == LF || (buf[i] == CR && (i + 1 >= lim || buf[i + 1] != LF))) {
        line++;
      }
    }
    return line;
  }

  private static boolean blank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  private boolean blank(int from, int to) {
    return blank(buf, from, to);
  }

  /**
   * The offset (from recStart) of the line break that ends the line starting at {@code from} (from
   * recStart), reading more of the stream as needed; the end of the data when the file ends without
   * one.
   */
  private int lineEnd(int from) {
    int i = recStart + from;
    while (true) {
      final byte[] b = buf;
      final int l = lim;
      for (; i < l; i++) {
        byte v = b[i];
        if (v == LF || v == CR) {
          return i - recStart;
        }
      }
      if (eof) {
        return i - recStart;
      }
      int rel = i - recStart;
      fill();
      i = recStart + rel;
    }
  }

  /** The offset (from recStart) just after the line break at {@code at}: CRLF is one break. */
  private int afterBreak(int at) {
    if (!fillFor(recStart + at)) {
      return at;
    }
    if (buf[recStart + at] == CR && fillFor(recStart + at + 1) && buf[recStart + at + 1] == LF) {
      return at + 2;
    }
    return at + 1;
  }

  /** Reads until index {@code i} is in the buffer (it may move); false at the end of the data. */
  private boolean fillFor(int i) {
    int rel = i - recStart;
    while (recStart + rel >= lim && !eof) {
      fill();
    }
    return recStart + rel < lim;
  }

  /** Moves the record being read to the buffer's start and reads more (growing the buffer). */
  private void fill() {
    if (recStart > 0) {
      System.arraycopy(buf, recStart, buf, 0, lim - recStart);
      bufOffset += recStart;
      lim -= recStart;
      pos -= recStart;
      recStart = 0;
    }
    if (lim == buf.length) {
      if (buf.length >= MAX_RECORD_BYTES) {
        throw new InputException(
            "File "
                + file
                + ": the record starting on line "
                + nextLine
                + " is longer than "
                + (MAX_RECORD_BYTES >> 20)
                + " MiB (not a delimited text file, or a line break missing?)");
      }
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    try {
      int n = in.read(buf, lim, buf.length - lim);
      if (n < 0) {
        eof = true;
      } else {
        lim += n;
      }
    } catch (EOFException | ZipException e) {
      throw new InputException(
          "File "
              + file
              + " is not a readable gzip file (truncated or corrupt) near line "
              + nextLine
              + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
          e);
    } catch (IOException e) {
      throw new InputException(
          "File " + file + ": cannot read it near line " + nextLine + ": " + e.getMessage(), e);
    }
  }

  // --- the current record -------------------------------------------------------------------

  /** Fields of the record; 0 for a malformed one. */
  public int fieldCount() {
    return nFields;
  }

  /** Why the record could not be split into fields, or null. */
  public String malformed() {
    return malformed;
  }

  /** The physical line (1 = the file's first) on which the record starts, within this range. */
  public long line() {
    return recLine;
  }

  /** True for an empty field that was not quoted (a CDM export's null). */
  public boolean isNull(int k) {
    return fStart[k] == fEnd[k] && !fQuoted[k];
  }

  /** Field {@code k}: null when empty and unquoted; quotes removed. */
  public String field(int k) {
    if (isNull(k)) {
      return null;
    }
    int s = recStart + fStart[k];
    int e = recStart + fEnd[k];
    if (!fEscaped[k]) {
      return new String(
          buf, s, e - s, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }
    byte[] out = new byte[e - s];
    int n = 0;
    for (int i = s; i < e; i++) {
      out[n++] = buf[i];
      if (buf[i] == QUOTE) {
        i++;
      }
    }
    return new String(out, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  /**
   * Field {@code k}'s value when it is plainly a whole number of at most 18 digits (an optional
   * sign and digits, unquoted), read from the bytes; else {@code Long.MIN_VALUE}.
   */
  public long plainLong(int k) {
    int s = recStart + fStart[k];
    int e = recStart + fEnd[k];
    if (fQuoted[k] || s == e) {
      return Long.MIN_VALUE;
    }
    byte[] b = buf;
    boolean negative = false;
    if (b[s] == '-' || b[s] == '+') {
      negative = b[s] == '-';
      s++;
    }
    if (s == e || e - s > 18) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (int i = s; i < e; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return Long.MIN_VALUE;
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  /**
   * Days since 1970-01-01 when field {@code k} is exactly an existing {@code YYYY-MM-DD}
   * (unquoted), read from the bytes; else {@code Integer.MIN_VALUE}.
   */
  public int isoDate(int k) {
    int s = recStart + fStart[k];
    if (fQuoted[k] || fEnd[k] - fStart[k] != 10 || buf[s + 4] != '-' || buf[s + 7] != '-') {
      return Integer.MIN_VALUE;
    }
    int year = digits(s, 4);
    int month = digits(s + 5, 2);
    int day = digits(s + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) {
      return Integer.MIN_VALUE;
    }
    try {
      return (int) java.time.LocalDate.of(year, month, day).toEpochDay();
    } catch (java.time.DateTimeException e) {
      return Integer.MIN_VALUE; // 2023-02-30: the strict reader explains it
    }
  }

  /** The number written by {@code count} digits at {@code s}, or -1. */
  private int digits(int s, int count) {
    int v = 0;
    for (int i = s; i < s + count; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  /** True when field {@code k} is empty or only spaces and tabs. */
  public boolean isBlank(int k) {
    return blank(buf, recStart + fStart[k], recStart + fEnd[k]);
  }

  /** The record's bytes as read (for a malformed record: its first line), UTF-8. */
  public byte[] textBytes() {
    return Arrays.copyOfRange(buf, recStart, recStart + recLength);
  }

  /** The record's text as read (for a malformed record: its first line). */
  public String text() {
    return new String(
        buf, recStart, recLength, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  // --- the range ----------------------------------------------------------------------------

  /** Records read so far (malformed ones included, blank lines not). */
  public long records() {
    return records;
  }

  public long blankLines() {
    return blankLines;
  }

  /** Physical lines consumed so far (the skipped header included). */
  public long lines() {
    return nextLine - 1;
  }

  /** Where the first line of this range starts in the file. */
  public long firstOffset() {
    return firstOffset;
  }

  /**
   * Where the line after the last one read starts (once {@link #next()} has returned false: the
   * first line at or after the range's end, or the file's length).
   */
  public long nextOffset() {
    return bufOffset + pos;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

package org.rwe.omop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text reader against records written by hand: what RFC 4180 says a file holds (quoted
 * delimiters, quotes and line breaks), line ends of every kind, blank lines, the ways a quote can
 * be unbalanced, bytes that are not text, and byte ranges that must add up to the whole file.
 */
class CsvRecordReaderTest {
  @TempDir Path dir;

  static final Configuration CONF = new Configuration();

  /** One record as the test sees it: its line, fields (or the malformed text). */
  record Rec(long line, List<String> fields, String malformed) {
    @Override
    public String toString() {
      return line + ":" + (malformed != null ? "MALFORMED[" + malformed + "]" : fields);
    }
  }

  static CsvRecordReader reader(String text, int maxLines) {
    return new CsvRecordReader(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
        ',',
        "t.csv",
        maxLines,
        0,
        Long.MAX_VALUE,
        false);
  }

  static List<Rec> read(CsvRecordReader r) {
    List<Rec> out = new ArrayList<>();
    while (r.next()) {
      if (r.malformed() != null) {
        out.add(new Rec(r.line(), null, r.text()));
        continue;
      }
      List<String> f = new ArrayList<>();
      for (int k = 0; k < r.fieldCount(); k++) {
        f.add(r.field(k));
      }
      out.add(new Rec(r.line(), f, null));
    }
    return out;
  }

  static List<Rec> read(String text) {
    CsvRecordReader r = reader(text, 100);
    r.skipLine();
    return read(r);
  }

  static Rec rec(long line, String... fields) {
    return new Rec(line, Arrays.asList(fields), null);
  }

  static Rec bad(long line, String text) {
    return new Rec(line, null, text);
  }

  @Test
  void quotedFieldsHoldDelimitersQuotesAndLineBreaks() {
    assertEquals(
        List.of(
            rec(2, "1", "a,b", "say \"hi\"", ""),
            rec(3, "2", "two\nlines", "x", null),
            rec(5, "3", null, "\"", "z")),
        read("a,b,c,d\n1,\"a,b\",\"say \"\"hi\"\"\",\"\"\n2,\"two\nlines\",x,\n3,,\"\"\"\",z\n"),
        "a line break inside quotes is one record spanning lines 3-4; an unquoted empty field is"
            + " null, a quoted one empty");
  }

  @Test
  void blankLinesAreCountedApartNotAsRecords() {
    CsvRecordReader r = reader("a,b\n1,2\n\n   \n\t\n3,4\n\n", 100);
    r.skipLine();
    assertEquals(List.of(rec(2, "1", "2"), rec(6, "3", "4")), read(r));
    assertEquals(2, r.records());
    assertEquals(4, r.blankLines(), "an empty line, spaces, a tab, and the empty line at the end");
    assertEquals(7, r.lines());
  }

  @Test
  void everyLineEndIsOneLineEvenWhenAFileSwitches() {
    // CRLF, then LF, then a lone CR (classic Mac), then CRLF again; the last line without one.
    List<Rec> got = read("a,b\r\n1,2\r\n3,4\n5,6\r7,8\r\n9,10");
    assertEquals(
        List.of(
            rec(2, "1", "2"),
            rec(3, "3", "4"),
            rec(4, "5", "6"),
            rec(5, "7", "8"),
            rec(6, "9", "10")),
        got);
    assertEquals(List.of(rec(2, "1", "2"), rec(3, "3", "4")), read("a,b\r1,2\r3,4\r"), "CR only");
    assertEquals(
        List.of(rec(2, "1", "x\r\ny"), rec(4, "2", "z")),
        read("a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n"),
        "a CRLF inside quotes is kept as data");
  }

  @Test
  void aQuoteFollowedByTextIsMalformedAndCostsOnlyItsLine() {
    assertEquals(
        List.of(rec(2, "1", "ok"), bad(3, "2,\"take \"twice\" daily\""), rec(4, "3", "fine")),
        read("a,b\n1,ok\n2,\"take \"twice\" daily\"\n3,fine\n"));
  }

  @Test
  void anUnbalancedQuoteNeverSwallowsTheRowsAfterIt() {
    // The quote opened on line 3 is never closed: at the end of the file the record is its first
    // line only, and every line after it is read as its own record.
    StringBuilder text = new StringBuilder("a,b,c\n1,x,y\n2,\"open,y\n");
    for (int i = 3; i < 500; i++) {
      text.append(i).append(",x,y\n");
    }
    List<Rec> got = read(text.toString());
    assertEquals(499, got.size(), "one record per data line");
    assertEquals(bad(3, "2,\"open,y"), got.get(1));
    assertEquals(rec(4, "3", "x", "y"), got.get(2));
    assertEquals(rec(500, "499", "x", "y"), got.get(498));
  }

  @Test
  void aQuoteClosedFarAwayIsUnbalancedNotOneGiantField() {
    // A stray opening quote closed 150 lines later, where a closing quote ends a field: RFC 4180
    // would make one record of the 150 lines; beyond maxRecordLines it is a broken first line.
    StringBuilder text = new StringBuilder("a,b\n1,\"stray\n");
    for (int i = 2; i < 150; i++) {
      text.append(i).append(",x\n");
    }
    text.append("150,closing\"\n151,y\n");
    CsvRecordReader r = reader(text.toString(), 100);
    r.skipLine();
    List<Rec> got = read(r);
    assertEquals(bad(2, "1,\"stray"), got.get(0));
    assertEquals(rec(3, "2", "x"), got.get(1));
    assertEquals(151, got.size(), "every line a record: " + got.subList(145, got.size()));
    assertEquals(rec(152, "151", "y"), got.get(150));
    assertEquals(got.size(), r.records());
    // Within the limit, the same text is one record of 150 lines, as RFC 4180 reads it.
    CsvRecordReader wide = reader(text.toString(), 200);
    wide.skipLine();
    List<Rec> one = read(wide);
    assertEquals(2, one.size(), "one multi-line record, then line 152");
    assertEquals(2, one.get(0).fields().size());
  }

  @Test
  void aRecordLongerThanTheBufferIsReadWhole() {
    String big = "x".repeat(300_000) + "\n" + "y".repeat(300_000);
    List<Rec> got = read("a,b\n1,\"" + big + "\"\n2,z\n");
    assertEquals(2, got.size());
    assertEquals(big, got.get(0).fields().get(1));
    assertEquals(rec(4, "2", "z"), got.get(1));
  }

  @Test
  void bytesThatAreNotUtf8AnywhereStopTheReadNamingFileAndLine() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("a,b\n".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 20_000; i++) {
      b.writeBytes((i + ",Müller\n").getBytes(StandardCharsets.UTF_8));
    }
    b.writeBytes("20000,M".getBytes(StandardCharsets.UTF_8));
    b.write(0xFC); // ü in Latin-1, 140 KB into the file
    b.writeBytes("ller\n".getBytes(StandardCharsets.UTF_8));
    CsvRecordReader r =
        new CsvRecordReader(
            new ByteArrayInputStream(b.toByteArray()), ',', "p.csv", 100, 0, Long.MAX_VALUE, false);
    r.skipLine();
    InputException e = assertThrows(InputException.class, () -> read(r));
    assertEquals(
        "File p.csv is not UTF-8 text (byte 0xFC on line 20002; convert it to UTF-8)",
        e.getMessage());
    InputException nul = assertThrows(InputException.class, () -> read("a,b\n1,2\n3,\u0000\n"));
    assertTrue(
        nul.getMessage().contains("t.csv") && nul.getMessage().contains("line 3"),
        nul.getMessage());
  }

  @Test
  void aCorruptOrTruncatedGzipStopsTheReadNamingTheFile() throws Exception {
    StringBuilder text = new StringBuilder("a,b\n");
    Random random = new Random(1);
    for (int i = 0; i < 50_000; i++) {
      text.append(i).append(',').append(random.nextInt()).append('\n');
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] whole = gz.toByteArray();
    byte[] badCrc = whole.clone();
    badCrc[badCrc.length - 6] ^= 0x5A; // the CRC-32 in the 8-byte trailer
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
    for (byte[] bytes : List.of(badCrc, truncated)) {
      Path f = dir.resolve("person-" + bytes.length + ".csv.gz");
      Files.write(f, bytes);
      CsvSplit split = new CsvSplit(0, 0, f.toString(), 0, Long.MAX_VALUE, true);
      InputException e =
          assertThrows(
              InputException.class,
              () -> read(split.open(CONF, ',', 100)),
              "a gzip stream that is corrupt past its first bytes");
      assertTrue(
          e.getMessage().startsWith("File " + f + " is not a readable gzip file"), e.getMessage());
    }
    Path ok = dir.resolve("ok.csv.gz");
    Files.write(ok, whole);
    assertEquals(
        50_000,
        read(new CsvSplit(0, 0, ok.toString(), 0, Long.MAX_VALUE, true).open(CONF, ',', 100))
            .size());
  }

  /** Reads a file in ranges of {@code size} bytes: the records, and whether the ranges met. */
  static List<Rec> readInRanges(Path f, long size, List<Boolean> met) throws Exception {
    long length = Files.size(f);
    List<CsvSplit> splits =
        CsvSplit.plan(
            List.of(new org.apache.hadoop.fs.Path(f.toString())), List.of(length), size, Set.of());
    List<Rec> all = new ArrayList<>();
    long previousNext = -1;
    long linesBefore = 0;
    for (CsvSplit s : splits) {
      CsvRecordReader r = s.open(CONF, ',', 100);
      if (previousNext >= 0) {
        met.add(previousNext == r.firstOffset());
      }
      for (Rec x : read(r)) {
        all.add(new Rec(x.line() + linesBefore, x.fields(), x.malformed()));
      }
      linesBefore += r.lines();
      previousNext = r.nextOffset();
      r.close();
    }
    return all;
  }

  @Test
  void rangesOfAFileReadExactlyItsRecordsAndSayWhenTheyDoNotMeet() throws Exception {
    StringBuilder text = new StringBuilder("a,b,c\n");
    for (int i = 0; i < 3_000; i++) {
      text.append(i).append(",\"v ").append(i).append("\",").append(i % 7 == 0 ? "" : "x");
      text.append(i % 3 == 0 ? "\r\n" : "\n");
      if (i % 500 == 0) {
        text.append("\n");
      }
    }
    Path f = dir.resolve("plain.csv");
    Files.writeString(f, text);
    List<Rec> whole = read(text.toString());
    for (long size : List.of(97L, 1_000L, 4_096L, 1L << 20)) {
      List<Boolean> met = new ArrayList<>();
      assertEquals(whole, readInRanges(f, size, met), "ranges of " + size + " bytes");
      assertTrue(met.stream().allMatch(m -> m), "ranges of " + size + " bytes meet");
    }
    // A line break inside quotes right where a range starts: the range takes the second half of
    // the quoted field for a line of its own, and the ranges do not meet (the caller then reads
    // the file whole).
    String quoted = "a,b\n1,\"first half\nsecond half\"\n2,x\n";
    Path q = dir.resolve("quoted.csv");
    Files.writeString(q, quoted);
    long size = quoted.indexOf("second");
    List<Boolean> met = new ArrayList<>();
    List<Rec> got = readInRanges(q, size, met);
    assertEquals(List.of(false), met);
    assertNotEquals(read(quoted), got);
  }

  @Test
  void theHeaderIsTheFirstLineAndAByteOrderMarkIsPartOfIt() {
    CsvRecordReader r = reader("\uFEFFa,b\n1,2\n", 100);
    r.skipLine();
    assertEquals(List.of(rec(2, "1", "2")), read(r));
    CsvRecordReader empty = reader("a,b\n", 100);
    empty.skipLine();
    assertEquals(List.of(), read(empty));
  }
}

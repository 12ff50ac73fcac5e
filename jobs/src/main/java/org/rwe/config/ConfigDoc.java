package org.rwe.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes docs/configuration.md from reference.conf: every key with its default and the comment
 * above it, in the file's order, so that the reference cannot drift from the defaults the pipeline
 * loads (a test fails when it is stale).
 *
 * <p>{@code java -cp ... org.rwe.config.ConfigDoc docs/configuration.md}
 */
public final class ConfigDoc {
  private ConfigDoc() {}

  /** Longer defaults (lists of objects) are pointed to rather than printed. */
  static final int MAX_DEFAULT = 90;

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/configuration.md");
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  public static String markdown() {
    ConfigObject root = StudySettings.reference().root();
    StringBuilder b = new StringBuilder();
    b.append("# Configuration reference\n\n")
        .append("Generated from `jobs/src/main/resources/reference.conf` by")
        .append(" `org.rwe.config.ConfigDoc`; do not edit (a test fails when it is stale:")
        .append(" `mvn -o -q test -Dtest=ConfigDocTest -Drwe.writeDocs=true`).\n\n")
        .append("Every setting of the pipeline, its default and what it means. A study file")
        .append(" (`conf/studies/*.conf`, HOCON) overrides what it needs; `-Dkey=value` on the")
        .append(" `bin/rwe run` command line overrides both; an unknown key is an error that names")
        .append(" it. Lists (`analyses`, `outcomes`, `subgroups`, concept-set items, exclusions)")
        .append(" take their elements' defaults from `defaults.*`. \"As above\" marks a key that")
        .append(" the comment of the key before it describes too.\n\n");
    for (Map.Entry<String, ConfigValue> e : inFileOrder(root)) {
      b.append("## `").append(e.getKey()).append("`\n\n");
      String about = comment(e.getValue());
      if (!about.isEmpty() && e.getValue().valueType() == ConfigValueType.OBJECT) {
        b.append(about).append("\n\n");
      }
      b.append("| key | default | meaning |\n|---|---|---|\n");
      List<String[]> rows = new ArrayList<>();
      rows(rows, e.getKey(), e.getValue(), e.getValue().valueType() == ConfigValueType.OBJECT);
      // A comment above a group of keys describes the group: carried to the keys after it in the
      // same object.
      String describedParent = null;
      for (String[] r : rows) {
        String meaning = r[2];
        String parent = r[0].contains(".") ? r[0].substring(0, r[0].lastIndexOf('.')) : "";
        if (!meaning.isEmpty()) {
          describedParent = parent;
        } else if (parent.equals(describedParent)) {
          meaning = "as above";
        } else {
          describedParent = null;
        }
        b.append("| `").append(r[0]).append("` | ").append(r[1]).append(" | ");
        b.append(meaning).append(" |\n");
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** One row per leaf (and per empty object, which takes free-form keys), depth first. */
  private static void rows(List<String[]> out, String path, ConfigValue v, boolean describedAbove) {
    if (v.valueType() == ConfigValueType.OBJECT && !((ConfigObject) v).isEmpty()) {
      int first = out.size();
      for (Map.Entry<String, ConfigValue> e : inFileOrder((ConfigObject) v)) {
        rows(out, path + "." + e.getKey(), e.getValue(), false);
      }
      // A nested block's comment describes its keys: given to the first when it has none of its
      // own (the ones after it then read "as above").
      String about = comment(v);
      if (!describedAbove && !about.isEmpty() && out.get(first)[2].isEmpty()) {
        out.get(first)[2] = cell(about);
      }
      return;
    }
    out.add(new String[] {path, defaultOf(v), describedAbove ? "" : cell(comment(v))});
  }

  private static List<Map.Entry<String, ConfigValue>> inFileOrder(ConfigObject o) {
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(o.entrySet());
    entries.sort(
        Comparator.comparingInt(
                (Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
            .thenComparing(Map.Entry::getKey));
    return entries;
  }

  private static String comment(ConfigValue v) {
    return String.join(" ", v.origin().comments().stream().map(String::trim).toList()).trim();
  }

  private static String defaultOf(ConfigValue v) {
    String rendered = v.render(ConfigRenderOptions.concise());
    if (rendered.length() > MAX_DEFAULT && v instanceof ConfigList list) {
      return "a list of " + list.size() + " (see reference.conf)";
    }
    return "`" + rendered.replace("|", "\\|") + "`";
  }

  /** A markdown table cell: pipes escaped. */
  private static String cell(String text) {
    return text.replace("|", "\\|");
  }
}

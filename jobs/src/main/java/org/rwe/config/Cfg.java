package org.rwe.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A typed view of one config object that records every problem (naming its full key) instead of
 * failing at the first, so a user sees all mistakes in one run. Defaults come only from
 * reference.conf, never from this code: a missing key is an error.
 */
final class Cfg {
  private final Config config;
  private final String prefix;
  private final List<String> problems;

  Cfg(Config config, String prefix, List<String> problems) {
    this.config = config;
    this.prefix = prefix;
    this.problems = problems;
  }

  String key(String path) {
    if (prefix.isEmpty() || path.isEmpty()) {
      // key("") names this object itself (list elements are re-wrapped with it), without a
      // trailing dot that would turn 'analyses[0].caliper' into 'analyses[0]..caliper'.
      return prefix.isEmpty() ? path : prefix;
    }
    return prefix + "." + path;
  }

  List<String> problems() {
    return problems;
  }

  void problem(String path, String message) {
    problems.add("Invalid value at '" + key(path) + "': " + message);
  }

  boolean has(String path) {
    return config.hasPath(path);
  }

  Cfg at(String path) {
    try {
      return new Cfg(config.getConfig(path), key(path), problems);
    } catch (ConfigException.Missing e) {
      problems.add("Missing key '" + key(path) + "'");
    } catch (ConfigException.WrongType e) {
      problem(path, "expected an object");
    }
    return new Cfg(com.typesafe.config.ConfigFactory.empty(), key(path), problems);
  }

  private <T> T get(String path, T fallback, String expected, Function<String, T> read) {
    try {
      return read.apply(path);
    } catch (ConfigException.Missing e) {
      problems.add("Missing key '" + key(path) + "' (expected " + expected + ")");
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected " + expected + ", got " + describe(path));
    }
    return fallback;
  }

  private String describe(String path) {
    try {
      ConfigValue v = config.getValue(path);
      return v.valueType().name().toLowerCase() + " " + v.render();
    } catch (ConfigException e) {
      return "an unreadable value";
    }
  }

  String string(String path) {
    return get(path, "", "a string", config::getString);
  }

  String oneOf(String path, Set<String> allowed) {
    String v = string(path);
    if (!allowed.contains(v)) {
      problem(path, "expected one of " + allowed + ", got '" + v + "'");
    }
    return v;
  }

  boolean bool(String path) {
    return get(path, false, "a boolean", config::getBoolean);
  }

  int integer(String path) {
    return get(path, 0, "an integer", config::getInt);
  }

  int intAtLeast(String path, int min) {
    int before = problems.size();
    int v = integer(path);
    // One error per mistake: a value that is not a number is not also "below the minimum".
    if (problems.size() == before && v < min) {
      problem(path, "must be >= " + min + ", got " + v);
    }
    return v;
  }

  long longValue(String path) {
    return get(path, 0L, "an integer", config::getLong);
  }

  long longAtLeast(String path, long min) {
    int before = problems.size();
    long v = longValue(path);
    if (problems.size() == before && v < min) {
      problem(path, "must be >= " + min + ", got " + v);
    }
    return v;
  }

  /** A size: a number of bytes or "128m", "64 MiB", "1g" (HOCON's size units). */
  long bytesAtLeast(String path, long min) {
    int before = problems.size();
    long v = get(path, 0L, "a size such as 128m or 4096", p -> config.getBytes(p));
    if (problems.size() == before && v < min) {
      problem(path, "must be at least " + min + " bytes, got " + v);
    }
    return v;
  }

  double number(String path) {
    return get(path, 0.0, "a number", config::getDouble);
  }

  double numberIn(String path, double lo, double hi) {
    int before = problems.size();
    double v = number(path);
    if (problems.size() == before && !(v >= lo && v <= hi)) {
      problem(path, "must be between " + lo + " and " + hi + ", got " + v);
    }
    return v;
  }

  List<Long> longs(String path) {
    return get(path, List.of(), "a list of integers", config::getLongList);
  }

  List<Double> numbers(String path) {
    return get(path, List.of(), "a list of numbers", config::getDoubleList);
  }

  List<String> strings(String path) {
    return get(path, List.of(), "a list of strings", config::getStringList);
  }

  /** Empty string means "not set"; otherwise an ISO date. */
  LocalDate optionalDate(String path) {
    String v = string(path);
    if (v.isEmpty()) {
      return null;
    }
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      problem(path, "expected a date as YYYY-MM-DD or \"\", got '" + v + "'");
      return null;
    }
  }

  /** A list of objects; each becomes a Cfg named path[i] so errors point at the element. */
  List<Cfg> objects(String path) {
    List<Cfg> out = new ArrayList<>();
    try {
      List<? extends Config> list = config.getConfigList(path);
      for (int i = 0; i < list.size(); i++) {
        out.add(new Cfg(list.get(i), key(path) + "[" + i + "]", problems));
      }
    } catch (ConfigException.Missing e) {
      problems.add("Missing key '" + key(path) + "' (expected a list of objects)");
    } catch (ConfigException.WrongType e) {
      problem(path, "expected a list of objects, got " + describe(path));
    }
    return out;
  }

  /** Rejects keys of this object that are not in {@code known}: a typo must not pass silently. */
  void onlyKeys(Set<String> known) {
    for (String k : config.root().keySet()) {
      if (!known.contains(k)) {
        problems.add("Unknown key '" + key(k) + "' (known here: " + known + ")");
      }
    }
  }

  Set<String> keys() {
    return config.root().keySet();
  }

  boolean isObject(String path) {
    return config.hasPath(path) && config.getValue(path).valueType() == ConfigValueType.OBJECT;
  }

  Config raw() {
    return config;
  }
}

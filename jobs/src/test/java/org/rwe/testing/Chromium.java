package org.rwe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Opens a page in headless Chromium and reports what a reader's browser would: console errors,
 * uncaught exceptions, every resource requested, a few facts from the DOM, and a full-page
 * screenshot. Speaks the DevTools protocol over the JDK's own WebSocket client: no browser
 * download, no Node.
 */
public final class Chromium {
  private Chromium() {}

  /** What the page did. */
  public record Page(
      List<String> errors,
      List<String> warnings,
      List<String> requests,
      JsonNode dom,
      long loadMillis) {}

  /** The browser to use: $RWE_CHROMIUM, else Debian's chromium or a Chrome on the PATH. */
  public static Optional<Path> executable() {
    String env = System.getenv("RWE_CHROMIUM");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env));
    }
    for (String p :
        List.of(
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
            "/usr/bin/google-chrome-stable")) {
      if (Files.isExecutable(Path.of(p))) {
        return Optional.of(Path.of(p));
      }
    }
    return Optional.empty();
  }

  /** True when the build must run the browser checks (CI sets RWE_REQUIRE_BROWSER=1). */
  public static boolean required() {
    return "1".equals(System.getenv("RWE_REQUIRE_BROWSER"))
        || Boolean.getBoolean("rwe.requireBrowser");
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Loads {@code html} at {@code width} CSS pixels wide, evaluates {@code domProbe} (a JS
   * expression returning a JSON-serializable value) and saves a PNG of the whole page.
   */
  public static Page open(Path html, int width, String domProbe, Path screenshot) throws Exception {
    Path chrome =
        executable().orElseThrow(() -> new IllegalStateException("no Chromium (set RWE_CHROMIUM)"));
    Path profile = Files.createTempDirectory("rwe-chromium");
    Process p =
        new ProcessBuilder(
                chrome.toString(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (Cdp cdp = new Cdp(devToolsUrl(p))) {
      String target =
          cdp.call("Target.createTarget", obj("url", "about:blank"), null).get("targetId").asText();
      ObjectNode attach = obj("targetId", target);
      attach.put("flatten", true);
      String session = cdp.call("Target.attachToTarget", attach, null).get("sessionId").asText();
      for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
        cdp.call(domain + ".enable", obj(), session);
      }
      ObjectNode metrics = obj();
      metrics.put("width", width);
      metrics.put("height", 900);
      metrics.put("deviceScaleFactor", 1);
      metrics.put("mobile", false);
      cdp.call("Emulation.setDeviceMetricsOverride", metrics, session);
      long t0 = System.nanoTime();
      CompletableFuture<JsonNode> loaded = cdp.next("Page.loadEventFired", session);
      cdp.call("Page.navigate", obj("url", html.toUri().toString()), session);
      loaded.get(60, TimeUnit.SECONDS);
      long loadMillis = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(300); // late console messages
      ObjectNode eval = obj("expression", "JSON.stringify(" + domProbe + ")");
      eval.put("returnByValue", true);
      JsonNode result = cdp.call("Runtime.evaluate", eval, session);
      if (result.has("exceptionDetails")) {
        throw new IllegalStateException("DOM probe failed: " + result.get("exceptionDetails"));
      }
      JsonNode dom = JSON.readTree(result.get("result").get("value").asText());
      if (screenshot != null) {
        ObjectNode layout = (ObjectNode) cdp.call("Page.getLayoutMetrics", obj(), session);
        int height = (int) Math.ceil(layout.get("cssContentSize").get("height").asDouble());
        ObjectNode clip = obj();
        clip.put("x", 0);
        clip.put("y", 0);
        clip.put("width", width);
        clip.put("height", Math.min(height, 20000));
        clip.put("scale", 1);
        ObjectNode shot = obj("format", "png");
        shot.put("captureBeyondViewport", true);
        shot.set("clip", clip);
        String png = cdp.call("Page.captureScreenshot", shot, session).get("data").asText();
        Files.createDirectories(screenshot.toAbsolutePath().getParent());
        Files.write(screenshot, Base64.getDecoder().decode(png));
      }
      return new Page(
          List.copyOf(cdp.errors),
          List.copyOf(cdp.warnings),
          List.copyOf(cdp.requests),
          dom,
          loadMillis);
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      deleteProfile(profile);
    }
  }

  /**
   * Removes the browser's profile folder. Chromium's helper processes may still write to it for a
   * moment after the browser has exited (seen: a "Network Persistent State" temporary file
   * vanishing in the middle of the walk), so a walk that trips over such a file is retried; what
   * would still be left after that is a temporary folder, not a reason to fail a test.
   */
  private static void deleteProfile(Path profile) throws InterruptedException {
    for (int attempt = 0; attempt < 10 && Files.exists(profile); attempt++) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException | java.io.UncheckedIOException e) {
        Thread.sleep(100);
      }
    }
  }

  private static ObjectNode obj(String... kv) {
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      o.put(kv[i], kv[i + 1]);
    }
    return o;
  }

  /** The browser prints where its DevTools endpoint listens on stderr. */
  private static URI devToolsUrl(Process p) throws Exception {
    CompletableFuture<URI> url = new CompletableFuture<>();
    List<String> lines = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              Pattern ws = Pattern.compile("DevTools listening on (ws://\\S+)");
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  Matcher m = ws.matcher(line);
                  if (m.find()) {
                    url.complete(URI.create(m.group(1)));
                  } else if (!url.isDone()) {
                    lines.add(line);
                  }
                }
                url.completeExceptionally(
                    new IllegalStateException("Chromium exited: " + String.join("\n", lines)));
              } catch (IOException e) {
                url.completeExceptionally(e);
              }
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(60, TimeUnit.SECONDS);
  }

  /** A minimal DevTools protocol client: calls with ids, events by method and session. */
  private static final class Cdp implements WebSocket.Listener, AutoCloseable {
    final WebSocket socket;
    final AtomicInteger ids = new AtomicInteger();
    final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder partial = new StringBuilder();

    Cdp(URI url) {
      socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(url, this)
              .orTimeout(30, TimeUnit.SECONDS)
              .join();
    }

    JsonNode call(String method, ObjectNode params, String session) throws Exception {
      int id = ids.incrementAndGet();
      ObjectNode msg = JSON.createObjectNode();
      msg.put("id", id);
      msg.put("method", method);
      msg.set("params", params);
      if (session != null) {
        msg.put("sessionId", session);
      }
      CompletableFuture<JsonNode> f = new CompletableFuture<>();
      pending.put(id, f);
      socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
      JsonNode reply = f.get(60, TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalStateException(method + ": " + reply.get("error"));
      }
      return reply.get("result");
    }

    CompletableFuture<JsonNode> next(String event, String session) {
      CompletableFuture<JsonNode> f = new CompletableFuture<>();
      waiting.put(event + "@" + session, f);
      return f;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          handle(JSON.readTree(text));
        } catch (IOException e) {
          errors.add("unreadable DevTools message: " + e.getMessage());
        }
      }
      ws.request(1);
      return null;
    }

    private void handle(JsonNode msg) {
      if (msg.has("id")) {
        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
        if (f != null) {
          f.complete(msg);
        }
        return;
      }
      String method = msg.path("method").asText();
      JsonNode params = msg.path("params");
      CompletableFuture<JsonNode> w = waiting.remove(method + "@" + msg.path("sessionId").asText());
      if (w != null) {
        w.complete(params);
      }
      switch (method) {
        case "Runtime.consoleAPICalled" -> {
          String type = params.path("type").asText();
          String text = params.path("args").toString();
          if (type.equals("error") || type.equals("assert")) {
            errors.add("console." + type + ": " + text);
          } else if (type.equals("warning")) {
            warnings.add("console.warn: " + text);
          }
        }
        case "Runtime.exceptionThrown" ->
            errors.add("exception: " + params.path("exceptionDetails").toString());
        case "Log.entryAdded" -> {
          JsonNode e = params.path("entry");
          String line = e.path("source").asText() + ": " + e.path("text").asText();
          if (e.path("level").asText().equals("error")) {
            errors.add(line);
          } else if (e.path("level").asText().equals("warning")) {
            warnings.add(line);
          }
        }
        case "Network.requestWillBeSent" ->
            requests.add(params.path("request").path("url").asText());
        case "Network.loadingFailed" ->
            errors.add("failed to load: " + params.path("errorText").asText());
        default -> {}
      }
    }

    @Override
    public void close() {
      try {
        call("Browser.close", JSON.createObjectNode(), null);
      } catch (Exception e) {
        // The browser may close the socket before it answers.
      }
      socket.abort();
    }
  }
}

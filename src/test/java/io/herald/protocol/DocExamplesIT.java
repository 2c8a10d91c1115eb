package io.herald.protocol;

import static io.herald.support.Messages.ping;
import static io.herald.support.Messages.pong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.MethodDescriptor;
import io.herald.SourceSink;
import io.herald.bus.Addresses;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Makes the examples of {@code docs/PROTOCOL.md} executable: every fenced block whose lines start
 * with {@code →} / {@code ←} is replayed, on a fresh connection, against a real node that has the
 * example events and methods the document describes (section "Reading the examples"). The notation
 * is defined there too.
 *
 * <p>Also keeps the document's tables in step with the code: the close-code table is {@link
 * CloseCode}, every {@link Errno} is documented, and every setting that bounds something is listed.
 */
class DocExamplesIT {

  static final Path DOC = Path.of("docs", "PROTOCOL.md");

  /** The settings the document says its examples run with. */
  static final JsonObject EXAMPLE_SETTINGS =
      new JsonObject()
          .put("limits.max-subscriptions", 3)
          .put("limits.max-concurrent-calls", 2)
          .put("bus.method-timeout-ms", 500);

  static final long TICK_MS = 200;
  static final String END_PING_ID = "doc-example-end";

  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern CLOSE = Pattern.compile("\\[close (\\d+) \"(.*)\"]");
  private static final Pattern TEXT_OF = Pattern.compile("\\[text frame of (\\d+) bytes]");
  private static final Pattern FRAGMENTED =
      Pattern.compile("\\[text message of (\\d+) bytes in (\\d+)-byte frames]");

  private static Vertx vertx;
  private static Node herald;

  @BeforeAll
  static void startNode() {
    vertx = Vertx.vertx();
    herald = TestNodes.standalone(vertx, EXAMPLE_SETTINGS);
    registerExamples();
  }

  @AfterAll
  static void stopNode() {
    TestNodes.await(herald.close());
    TestNodes.await(vertx.close());
  }

  // --- the example events and methods the document names ---

  static final JsonObject TICKS_ACCEPTS =
      new JsonObject()
          .put("type", "object")
          .put(
              "properties",
              new JsonObject()
                  .put(
                      "count",
                      new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 5))
                  .put("fail", new JsonObject().put("type", "boolean")))
          .put("additionalProperties", false);

  private static void registerExamples() {
    TestNodes.await(
        herald.registerEvent(
            EventDescriptor.broadcast("example.jobs").description("Example jobs.").build()));
    // The snapshot of example.jobs holds job 7, as of the publications made so far.
    herald.registerSnapshot(
        "example.jobs",
        () ->
            io.vertx.core.Future.succeededFuture(
                new io.herald.Snapshot(
                    java.util.List.of(
                        EventMessage.added(
                            7, new JsonObject().put("id", 7).put("state", "RUNNING"))),
                    java.util.List.of(herald.position("example.jobs")))));
    TestNodes.await(
        herald.registerEvent(
            EventDescriptor.broadcast("example.audit")
                .description("Example audit records.")
                .wildcard(false)
                .build()));
    TestNodes.await(
        herald.registerSource(
            EventDescriptor.source("example.ticks")
                .description("Counts to `count` (default 2), one tick every 200 ms.")
                .accepts(TICKS_ACCEPTS)
                .build(),
            DocExamplesIT::ticks));
    // Known to the cluster, but its source runs on no node this client can reach: a private event.
    TestNodes.await(
        herald.registerEvent(EventDescriptor.source("example.remote").hidden(true).build()));

    JsonObject sleepParams =
        new JsonObject()
            .put("type", "array")
            .put(
                "prefixItems",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("type", "integer")
                            .put("minimum", 0)
                            .put("maximum", 5000)))
            .put("minItems", 1)
            .put("maxItems", 1);
    TestNodes.await(
        herald.registerMethod(
            new MethodDescriptor(
                "example.sleep",
                "Answers its argument after that many ms.",
                sleepParams,
                call -> {
                  int ms = call.params().getInteger(0);
                  Promise<Object> done = Promise.promise();
                  vertx.setTimer(Math.max(1, ms), id -> done.complete(ms));
                  return done.future();
                })));
    TestNodes.await(
        herald.registerMethod(
            new MethodDescriptor(
                "example.fail",
                "Throws.",
                null,
                call -> {
                  throw new IllegalStateException("Disk on fire");
                })));
    // A handler on the bus that never answers, as a stuck method on another node would.
    TestNodes.await(
        vertx.eventBus().consumer(Addresses.method("example.unanswered"), msg -> {}).completion());
  }

  private static EventSource ticks(Object argument) {
    JsonObject arg = argument instanceof JsonObject json ? json : new JsonObject();
    int count = arg.getInteger("count", 2);
    boolean failAtEnd = arg.getBoolean("fail", false);
    return new EventSource() {
      long timer = -1;
      int n;

      @Override
      public Future<Void> start(SourceSink sink) {
        timer =
            vertx.setPeriodic(
                TICK_MS,
                id -> {
                  n++;
                  sink.emit(EventMessage.added(null, new JsonObject().put("n", n)));
                  if (n == count) {
                    if (failAtEnd) {
                      sink.fail(ErrorDict.of(Errno.EFAULT, "Ticking failed"));
                    } else {
                      sink.end();
                    }
                  }
                });
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
      }
    };
  }

  // --- the examples ---

  record Step(char kind, String text, int line) {}

  record Example(String section, int line, List<Step> steps) {
    String name() {
      String first = steps.get(0).text();
      return section
          + " (line "
          + line
          + "): "
          + (first.length() > 60 ? first.substring(0, 60) + "…" : first);
    }
  }

  static String doc() throws IOException {
    return Files.readString(DOC, StandardCharsets.UTF_8);
  }

  /** Every fenced block that contains a → or ← line, in document order. */
  static List<Example> examples() throws IOException {
    List<Example> examples = new ArrayList<>();
    String[] lines = doc().split("\n", -1);
    String section = "";
    List<String> block = null;
    int blockStart = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("```")) {
        if (block == null) {
          block = new ArrayList<>();
          blockStart = i + 2;
        } else {
          Example example = parse(section, blockStart, block);
          if (example != null) {
            examples.add(example);
          }
          block = null;
        }
      } else if (block != null) {
        block.add(line);
      } else if (line.startsWith("#")) {
        section = line.replaceFirst("^#+\\s*", "");
      }
    }
    assertTrue(block == null, "unclosed code fence in " + DOC);
    return examples;
  }

  private static Example parse(String section, int firstLine, List<String> lines) {
    if (lines.stream().noneMatch(l -> l.startsWith("→") || l.startsWith("←"))) {
      return null;
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int lineNo = firstLine + i;
      if (line.isBlank() || line.startsWith("//")) {
        continue;
      }
      char kind = line.charAt(0);
      if (kind == '→' || kind == '←' || kind == '⚙') {
        steps.add(new Step(kind, line.substring(1).trim(), lineNo));
      } else if (Character.isWhitespace(kind) && !steps.isEmpty()) {
        Step last = steps.remove(steps.size() - 1);
        steps.add(new Step(last.kind(), last.text() + "\n" + line, last.line()));
      } else {
        fail(
            DOC
                + ":"
                + lineNo
                + ": an example line must start with →, ←, ⚙, // or (continuing) whitespace: "
                + line);
      }
    }
    return new Example(section, firstLine, steps);
  }

  @TestFactory
  Stream<DynamicTest> everyExampleRunsAsDocumented() throws IOException {
    List<Example> examples = examples();
    assertFalse(examples.isEmpty(), "no examples found in " + DOC);
    return examples.stream().map(e -> DynamicTest.dynamicTest(e.name(), () -> replay(e)));
  }

  private static void replay(Example example) {
    try (WsClient client = WsClient.connect(vertx, herald.httpPort())) {
      boolean closed = false;
      for (Step step : example.steps()) {
        String where = DOC + ":" + step.line();
        assertFalse(closed, where + ": a step after the connection was closed");
        switch (step.kind()) {
          case '→' -> send(client, step.text());
          case '⚙' -> act(step.text(), where);
          default -> {
            Matcher close = CLOSE.matcher(step.text());
            if (close.matches()) {
              assertEquals(
                  Integer.parseInt(close.group(1)),
                  (int) client.awaitClose(),
                  where + ": close code");
              assertEquals(close.group(2), client.socket().closeReason(), where + ": close reason");
              assertEquals(
                  0,
                  client.pending(),
                  where + ": messages before the close that the example does not show");
              closed = true;
            } else {
              JsonObject expected = new JsonObject(step.text());
              JsonObject actual = client.next();
              if (!matches(expected, actual)) {
                fail(
                    where
                        + ": expected\n  "
                        + expected.encode()
                        + "\nbut received\n  "
                        + actual.encode());
              }
            }
          }
        }
      }
      if (!closed) {
        // Nothing the example does not show may arrive: the next message must be the answer to this
        // ping.
        client.send(ping(END_PING_ID));
        JsonObject next = client.next();
        assertEquals(
            pong(END_PING_ID),
            next,
            DOC + ":" + example.line() + ": a message the example does not show");
      }
    }
  }

  private static void send(WsClient client, String text) {
    if (text.equals("[binary frame]")) {
      client.sendBinary(Buffer.buffer(new byte[] {1, 2, 3}));
      return;
    }
    Matcher sized = TEXT_OF.matcher(text);
    if (sized.matches()) {
      client.sendText("x".repeat(Integer.parseInt(sized.group(1))));
      return;
    }
    Matcher fragmented = FRAGMENTED.matcher(text);
    if (fragmented.matches()) {
      int size = Integer.parseInt(fragmented.group(1));
      int frameSize = Integer.parseInt(fragmented.group(2));
      for (int sent = 0; sent < size; sent += frameSize) {
        int length = Math.min(frameSize, size - sent);
        boolean last = sent + length >= size;
        WebSocketFrame frame =
            sent == 0
                ? WebSocketFrame.textFrame("x".repeat(length), last)
                : WebSocketFrame.continuationFrame(Buffer.buffer("x".repeat(length)), last);
        TestNodes.await(client.socket().writeFrame(frame));
      }
      return;
    }
    client.sendText(text);
  }

  private static void act(String text, String where) {
    if (!text.startsWith("publish ")) {
      fail(where + ": unknown action " + text);
    }
    JsonObject frame = new JsonObject(text.substring("publish ".length()));
    TestNodes.await(herald.publish(frame.getString("collection"), EventMessage.fromFrame(frame)));
  }

  /**
   * JSON equality, numbers by value; the string {@code "<uuid>"} in {@code expected} matches any
   * UUID, also within a longer string.
   */
  static boolean matches(Object expected, Object actual) {
    if (expected instanceof JsonObject e) {
      if (!(actual instanceof JsonObject a) || !e.fieldNames().equals(a.fieldNames())) {
        return false;
      }
      return e.fieldNames().stream().allMatch(k -> matches(e.getValue(k), a.getValue(k)));
    }
    if (expected instanceof JsonArray e) {
      if (!(actual instanceof JsonArray a) || e.size() != a.size()) {
        return false;
      }
      for (int i = 0; i < e.size(); i++) {
        if (!matches(e.getValue(i), a.getValue(i))) {
          return false;
        }
      }
      return true;
    }
    if ("<uuid>".equals(expected)) {
      return actual instanceof String s && UUID.matcher(s).matches();
    }
    if (expected instanceof String e && e.contains("<uuid>") && actual instanceof String a) {
      // within a text, e.g. the reason of an internal error: "... (logged as <uuid>)"
      String[] parts = e.split("<uuid>", -1);
      StringBuilder regex = new StringBuilder();
      for (int i = 0; i < parts.length; i++) {
        regex.append(Pattern.quote(parts[i]));
        if (i < parts.length - 1) {
          regex.append(UUID.pattern());
        }
      }
      return a.matches(regex.toString());
    }
    if (expected instanceof Number e && actual instanceof Number a) {
      return new BigDecimal(e.toString()).compareTo(new BigDecimal(a.toString())) == 0;
    }
    return expected == null ? actual == null : expected.equals(actual);
  }

  // --- the tables ---

  @Test
  void exampleSettingsAreTheOnesTheDocumentStates() throws IOException {
    String doc = doc();
    EXAMPLE_SETTINGS.forEach(
        e ->
            assertTrue(
                doc.contains("`" + e.getKey() + ": " + e.getValue() + "`"),
                "the document does not state the example setting "
                    + e.getKey()
                    + ": "
                    + e.getValue()));
  }

  @Test
  void closeCodeTableIsTheEnum() throws IOException {
    Pattern row =
        Pattern.compile("^\\| (\\d{4}) \\| `([^`]*)` \\| (yes|no) \\|.*$", Pattern.MULTILINE);
    Map<Integer, String> documented = new TreeMap<>();
    Matcher m = row.matcher(doc());
    while (m.find()) {
      documented.put(Integer.parseInt(m.group(1)), m.group(2) + " / " + m.group(3));
    }
    Map<Integer, String> code = new TreeMap<>();
    for (CloseCode c : CloseCode.values()) {
      code.put((int) c.code, c.reason + " / " + (c.reconnect ? "yes" : "no"));
    }
    assertEquals(
        code, documented, "the close-code table of " + DOC + " must list exactly CloseCode");
  }

  @Test
  void everyErrnoIsDocumented() throws IOException {
    String doc = doc();
    for (Errno errno : Errno.values()) {
      assertTrue(
          doc.contains("| `" + errno.name() + "` | " + errno.code + " |"),
          "the errno table of " + DOC + " lacks " + errno.name() + " (" + errno.code + ")");
    }
  }

  @Test
  void everyBoundingSettingIsDocumented() throws IOException {
    String doc = doc();
    for (String key : Settings.flatten(Settings.defaults()).keySet()) {
      if (key.startsWith("ws.") || key.startsWith("limits.") || key.startsWith("bus.")) {
        Object defaultValue = Settings.flatten(Settings.defaults()).get(key);
        assertTrue(
            doc.contains("| `" + key + "` | " + defaultValue + " |"),
            "the limits table of " + DOC + " lacks " + key + " (default " + defaultValue + ")");
      }
    }
  }
}

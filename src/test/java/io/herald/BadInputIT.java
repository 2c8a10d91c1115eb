package io.herald;

import static io.herald.support.Messages.changed;
import static io.herald.support.Messages.method;
import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.herald.node.Node;
import io.herald.session.TextFrames;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input over real websockets against a real node: each input gets its exact answer (a close
 * code, or the exact messages), the offending connection keeps working where it stays open, and a
 * bystander connected to the same node is never affected.
 */
@ExtendWith(VertxExtension.class)
class BadInputIT {

  private static final int MAX_MESSAGE_BYTES = 1024;
  private static final int MAX_SUBSCRIPTIONS = 3;
  private static final int MAX_CONCURRENT_CALLS = 2;

  private Vertx vertx;
  private Node herald;
  private WsClient bystander;
  private final AtomicInteger published = new AtomicInteger();

  /** Calls of {@code test.slow} not yet answered, in arrival order. */
  private final List<SlowCall> slowCalls = new CopyOnWriteArrayList<>();

  /** A pending call of {@code test.slow}: answered on its own context when the test says so. */
  private record SlowCall(Context context, Promise<Object> promise, JsonArray params) {
    void answer(Object result) {
      context.runOnContext(v -> promise.complete(result));
    }
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("ws.max-message-bytes", MAX_MESSAGE_BYTES)
                .put("limits.max-subscriptions", MAX_SUBSCRIPTIONS)
                .put("limits.max-concurrent-calls", MAX_CONCURRENT_CALLS));
    herald.registerEvent(EventDescriptor.broadcast("test.jobs").build()).await();
    herald.registerEvent(EventDescriptor.broadcast("test.other").build()).await();
    herald
        .registerMethod(
            new MethodDescriptor(
                "test.slow",
                "Answers when the test says so",
                null,
                call -> {
                  Promise<Object> promise = Promise.promise();
                  slowCalls.add(new SlowCall(Vertx.currentContext(), promise, call.params()));
                  return promise.future();
                }))
        .await();
    bystander = client();
    bystander.subscribe("watch", "test.jobs");
  }

  @AfterEach
  void stop() {
    bystander.close();
  }

  private WsClient client() {
    return WsClient.connect(vertx, herald.httpPort());
  }

  // --- the table ---

  /**
   * What the server does with a bad input: close with a code, or answer exactly these messages and
   * stay open.
   */
  private record Outcome(Short closeCode, List<JsonObject> messages) {
    static Outcome closes(int code) {
      return new Outcome((short) code, List.of());
    }

    static Outcome replies(String... json) {
      return new Outcome(null, Arrays.stream(json).map(JsonObject::new).toList());
    }

    static Outcome noReply() {
      return new Outcome(null, List.of());
    }
  }

  private record BadInput(String name, Consumer<WsClient> send, Outcome outcome) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static BadInput text(String name, String text, Outcome outcome) {
    return new BadInput(name, c -> c.sendText(text), outcome);
  }

  /** DDP's error for a message that is JSON but not a valid message. */
  private static Outcome ddpError(String reason, String offendingJson) {
    return Outcome.replies(
        "{\"msg\":\"error\",\"reason\":\""
            + reason
            + "\",\"offendingMessage\":"
            + offendingJson
            + "}");
  }

  /** A text message that is malformed, answered with DDP's error quoting the whole message. */
  private static BadInput malformed(String name, String json, String reason) {
    return text(name, json, ddpError(reason, json));
  }

  /** A ping whose encoding is exactly {@code bytes} long. */
  private static String pingOfSize(int bytes) {
    String head = "{\"msg\":\"ping\",\"id\":\"";
    String tail = "\"}";
    return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
  }

  /** Sends {@code text} as one message in {@code parts} frames of about equal size. */
  private static void sendFragmented(WsClient c, String text, int parts) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int step = (bytes.length + parts - 1) / parts;
    int[] cuts = new int[parts - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = (i + 1) * step;
    }
    sendFragmented(c, bytes, cuts);
  }

  /**
   * Sends {@code bytes} as one text message cut at {@code cuts}: a text frame, then continuation
   * frames.
   */
  private static void sendFragmented(WsClient c, byte[] bytes, int... cuts) {
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : bytes.length;
      byte[] part = Arrays.copyOfRange(bytes, from, to);
      boolean last = i == cuts.length;
      WebSocketFrame frame =
          i == 0
              ? TextFrames.text(part, last)
              : WebSocketFrame.continuationFrame(Buffer.buffer(part), last);
      // not awaited: the server may close the connection before the last fragment is written
      c.socket().writeFrame(frame);
      from = to;
    }
  }

  private static final String ENOENT_NO_SUCH =
      "{\"error\":2,\"errname\":\"ENOENT\",\"type\":null,\"reason\":\"Event 'no.such_event' does not exist\","
          + "\"trace\":null,\"extra\":null}";

  static Stream<BadInput> badInputs() {
    return Stream.of(
        // transport
        new BadInput(
            "binary frame closes 1003",
            c -> c.sendBinary(Buffer.buffer("{\"msg\":\"ping\"}")),
            Outcome.closes(1003)),
        text("invalid JSON closes 1007", "{\"msg\":\"ping\"", Outcome.closes(1007)),
        text("garbage text closes 1007", "hello", Outcome.closes(1007)),
        text(
            "JSON with trailing garbage closes 1007", "{\"msg\":\"ping\"} x", Outcome.closes(1007)),
        new BadInput(
            "text frame with invalid UTF-8 closes 1007",
            c ->
                c.socket()
                    .writeFrame(
                        TextFrames.text(
                            new byte[] {
                              '{',
                              '"',
                              'm',
                              's',
                              'g',
                              '"',
                              ':',
                              '"',
                              (byte) 0xC3,
                              (byte) 0x28,
                              '"',
                              '}'
                            },
                            true)),
            Outcome.closes(1007)),
        text(
            "message one byte over the limit closes 1009",
            pingOfSize(MAX_MESSAGE_BYTES + 1),
            Outcome.closes(1009)),
        text(
            "much larger message closes 1009",
            pingOfSize(8 * MAX_MESSAGE_BYTES),
            Outcome.closes(1009)),
        new BadInput(
            "fragmented message whose total is over the limit closes 1009",
            c -> sendFragmented(c, pingOfSize(MAX_MESSAGE_BYTES + 200), 3),
            Outcome.closes(1009)),
        new BadInput(
            "continuation frame outside a message closes 1002",
            c -> c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("{}"), true)),
            Outcome.closes(1002)),
        // at the limits, not over
        text(
            "message of exactly the limit is served",
            pingOfSize(MAX_MESSAGE_BYTES),
            Outcome.replies(
                "{\"msg\":\"pong\",\"id\":\"" + "x".repeat(MAX_MESSAGE_BYTES - 22) + "\"}")),
        new BadInput(
            "fragmented message under the limit is served",
            c -> sendFragmented(c, "{\"msg\":\"ping\",\"id\":\"in-three-parts\"}", 3),
            Outcome.replies("{\"msg\":\"pong\",\"id\":\"in-three-parts\"}")),
        new BadInput(
            "fragments cutting a UTF-8 character in two are joined before decoding",
            c ->
                sendFragmented(
                    c,
                    "{\"msg\":\"ping\",\"id\":\"\u00e9t\u00e9\"}".getBytes(StandardCharsets.UTF_8),
                    21,
                    24),
            Outcome.replies("{\"msg\":\"pong\",\"id\":\"\u00e9t\u00e9\"}")),
        // JSON, but not an object
        malformed("array", "[{\"msg\":\"ping\"}]", "message must be a JSON object"),
        malformed("empty array", "[]", "message must be a JSON object"),
        malformed("number", "42", "message must be a JSON object"),
        malformed("string", "\"ping\"", "message must be a JSON object"),
        malformed("null", "null", "message must be a JSON object"),
        malformed("boolean", "true", "message must be a JSON object"),
        // msg
        malformed("missing msg", "{\"id\":\"x\",\"name\":\"test.jobs\"}", "msg is required"),
        malformed("msg is a number", "{\"msg\":1}", "msg must be a string"),
        malformed("msg is an object", "{\"msg\":{\"type\":\"sub\"}}", "msg must be a string"),
        malformed(
            "unknown msg",
            "{\"msg\":\"subscribe\",\"id\":\"s\",\"name\":\"test.jobs\"}",
            "unknown msg 'subscribe'"),
        // sub
        malformed("sub without id", "{\"msg\":\"sub\",\"name\":\"test.jobs\"}", "id is required"),
        malformed(
            "sub with object id",
            "{\"msg\":\"sub\",\"id\":{\"a\":1},\"name\":\"test.jobs\"}",
            "id must be a string or a number"),
        malformed(
            "sub with array id",
            "{\"msg\":\"sub\",\"id\":[1],\"name\":\"test.jobs\"}",
            "id must be a string or a number"),
        malformed(
            "sub with boolean id",
            "{\"msg\":\"sub\",\"id\":true,\"name\":\"test.jobs\"}",
            "id must be a string or a number"),
        malformed("sub without name", "{\"msg\":\"sub\",\"id\":\"s\"}", "name is required"),
        malformed(
            "sub with numeric name",
            "{\"msg\":\"sub\",\"id\":\"s\",\"name\":5}",
            "name must be a string"),
        malformed(
            "sub with empty name",
            "{\"msg\":\"sub\",\"id\":\"s\",\"name\":\"\"}",
            "name must not be empty"),
        // method
        malformed(
            "method without method",
            "{\"msg\":\"method\",\"id\":\"m\",\"params\":[]}",
            "method is required"),
        malformed(
            "method with params not a list",
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"core.ping\",\"params\":{\"a\":1}}",
            "params must be a list"),
        // unsub
        malformed("unsub without id", "{\"msg\":\"unsub\"}", "id is required"),
        // well-formed, but refused
        text(
            "unknown event is nosub ENOENT without ready",
            "{\"msg\":\"sub\",\"id\":\"s\",\"name\":\"no.such_event\"}",
            Outcome.replies(
                "{\"msg\":\"nosub\",\"id\":\"s\",\"collection\":\"no.such_event\",\"error\":"
                    + ENOENT_NO_SUCH
                    + "}")),
        text(
            "unknown event with numeric id is nosub echoing the number",
            "{\"msg\":\"sub\",\"id\":7,\"name\":\"no.such_event\"}",
            Outcome.replies(
                "{\"msg\":\"nosub\",\"id\":7,\"collection\":\"no.such_event\",\"error\":"
                    + ENOENT_NO_SUCH
                    + "}")),
        text(
            "unknown method is ENOMETHOD 201",
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"no.such.method\",\"params\":[]}",
            Outcome.replies(
                "{\"msg\":\"result\",\"id\":\"m\",\"error\":{\"error\":201,\"errname\":\"ENOMETHOD\","
                    + "\"type\":null,\"reason\":\"[ENOMETHOD] Method 'method' not found in 'no.such'\","
                    + "\"trace\":null,\"extra\":null}}")),
        text(
            "unsub of an unknown id gets no reply",
            "{\"msg\":\"unsub\",\"id\":\"never-subscribed\"}",
            Outcome.noReply()));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badInputs")
  void badInputGetsItsExactAnswerAndHarmsNoOne(BadInput input) {
    try (WsClient c = client()) {
      c.subscribe("mine", "test.other");
      input.send().accept(c);
      Outcome outcome = input.outcome();
      if (outcome.closeCode() != null) {
        assertEquals(outcome.closeCode(), c.awaitClose(), "close code");
        assertEquals(0, c.pending(), "nothing is sent before the close");
        TestNodes.eventually(
            5000,
            "the closed connection released",
            () -> herald.stats().connections.get() == 1 && herald.stats().subscriptions.get() == 1);
      } else {
        for (JsonObject expected : outcome.messages()) {
          assertEquals(expected, c.next());
        }
        assertStillServes(c);
      }
    }
    assertServes(bystander);
  }

  // --- stateful cases ---

  @Test
  void duplicateSubIdReplacesTheEarlierSubscription() {
    try (WsClient c = client()) {
      c.subscribe("d", "test.jobs");
      c.subscribe("d", "test.other");
      c.assertNoMoreMessages();
      herald.publish("test.jobs", EventMessage.changed(1, new JsonObject())).await();
      herald.publish("test.other", EventMessage.changed(2, new JsonObject())).await();
      assertEquals(changed("test.other", 2), c.next(), "only the new name delivers");
      assertStillServes(c);
      assertEquals(
          2, herald.stats().subscriptions.get(), "the bystander's and the replacement only");
    }
    assertEquals(changed("test.jobs", 1), bystander.next());
    assertServes(bystander);
  }

  @Test
  void duplicateSubIdWithAnUnknownNameEndsTheEarlierSubscription() {
    try (WsClient c = client()) {
      c.subscribe("d", "test.jobs");
      c.send(sub("d", "no.such_event"));
      assertEquals(
          new JsonObject(
              "{\"msg\":\"nosub\",\"id\":\"d\",\"collection\":\"no.such_event\",\"error\":"
                  + ENOENT_NO_SUCH
                  + "}"),
          c.next());
      herald.publish("test.jobs", EventMessage.changed(1, new JsonObject())).await();
      assertStillServes(c);
    }
    assertEquals(changed("test.jobs", 1), bystander.next());
    assertServes(bystander);
  }

  @Test
  void tooManySubscriptionsIsNosubEtoomanyrefs() {
    try (WsClient c = client()) {
      c.subscribe("s1", "test.jobs");
      c.subscribe("s2", "test.other");
      c.subscribe("s3", "*");
      c.send(sub("s4", "test.jobs"));
      assertEquals(
          new JsonObject(
              "{\"msg\":\"nosub\",\"id\":\"s4\",\"collection\":\"test.jobs\",\"error\":"
                  + "{\"error\":109,\"errname\":\"ETOOMANYREFS\",\"type\":null,"
                  + "\"reason\":\"Too many subscriptions on this connection (limit "
                  + MAX_SUBSCRIPTIONS
                  + ")\","
                  + "\"trace\":null,\"extra\":null}}"),
          c.next());
      c.assertNoMoreMessages();
      // at the limit, replacing an id is still allowed, and a freed slot can be used again
      c.subscribe("s3", "test.other");
      c.send(unsub("s2"));
      c.subscribe("s4", "test.jobs");
      assertStillServes(c);
    }
    assertServes(bystander);
  }

  @Test
  void tooManyConcurrentCallsIsEtoomanyrefsAndOthersAreServed() {
    try (WsClient c = client()) {
      callSlow(c, 1);
      callSlow(c, 2);
      TestNodes.eventually(
          5000, "two slow calls running", () -> slowCalls.size() == MAX_CONCURRENT_CALLS);
      callSlow(c, 3);
      assertEquals(
          new JsonObject(
              "{\"msg\":\"result\",\"id\":3,\"error\":{\"error\":109,"
                  + "\"errname\":\"ETOOMANYREFS\",\"type\":null,"
                  + "\"reason\":\"Too many concurrent calls on this connection (limit "
                  + MAX_CONCURRENT_CALLS
                  + ")\","
                  + "\"trace\":null,\"extra\":null}}"),
          c.next());
      assertStillServes(c);
      // the limit is per connection: the bystander's calls are served meanwhile
      assertEquals(
          new JsonObject().put("msg", "result").put("id", "b").put("result", "pong"),
          bystander.call("b", "core.ping", new JsonArray()));
      // an answered call frees its slot
      slowCalls.get(0).answer("one");
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 1).put("result", "one"), c.next());
      callSlow(c, 4);
      TestNodes.eventually(
          5000, "the fourth call running", () -> slowCalls.size() == MAX_CONCURRENT_CALLS + 1);
      slowCalls.get(1).answer("two");
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 2).put("result", "two"), c.next());
      slowCalls.get(2).answer("four");
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 4).put("result", "four"), c.next());
      assertEquals(
          List.of(1, 2, 4), slowCalls.stream().map(s -> s.params().getInteger(0)).toList());
      assertStillServes(c);
    }
    assertServes(bystander);
  }

  /**
   * A client whose close frame has arrived but whose close handler has not yet run must not make
   * the fan-out of an event fail for subscribers after it (its socket throws on write). Several
   * rounds, as the window is short.
   */
  @Test
  void clientClosingWhileEventsAreFannedOutCostsOthersNothing() {
    for (int round = 0; round < 20; round++) {
      WsClient closing = client();
      closing.subscribe("c", "test.other");
      bystander.subscribe("late", "test.other"); // after the closing client in the fan-out order
      closing.socket().close();
      for (int k = 0; k < 5; k++) {
        herald
            .publish("test.other", EventMessage.changed(round * 10 + k, new JsonObject()))
            .await();
      }
      for (int k = 0; k < 5; k++) {
        assertEquals(changed("test.other", round * 10 + k), bystander.next(), "round " + round);
      }
      bystander.send(unsub("late"));
      closing.close();
    }
    assertServes(bystander);
  }

  // --- checks ---

  private static void callSlow(WsClient c, int id) {
    c.send(method(id, "test.slow", new JsonArray().add(id)));
  }

  /** The connection is open and served: nothing unexpected is pending, and a ping gets its pong. */
  private static void assertStillServes(WsClient c) {
    c.assertNoMoreMessages();
    assertFalse(c.isClosed(), "connection stays open");
  }

  /** {@code c} keeps its subscription, can subscribe anew and receives published events. */
  private void assertServes(WsClient c) {
    int n = published.incrementAndGet();
    herald.publish("test.jobs", EventMessage.changed(n, new JsonObject())).await();
    assertEquals(changed("test.jobs", n), c.next(), "an existing subscription still delivers");
    String sub = "fresh-" + n;
    c.subscribe(sub, "test.other");
    herald.publish("test.other", EventMessage.changed(n, new JsonObject())).await();
    assertEquals(changed("test.other", n), c.next(), "a new subscription delivers");
    c.send(unsub(sub));
    c.assertNoMoreMessages();
  }
}

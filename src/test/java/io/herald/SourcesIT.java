package io.herald;

import static io.herald.support.Messages.nosub;
import static io.herald.support.Messages.ready;
import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.TestSources;
import io.herald.support.TickSource;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Event sources ({@code name:arg}) over real websockets: parsing, sharing, lifecycle, endings. */
@ExtendWith(VertxExtension.class)
class SourcesIT {

  /**
   * {@code test.echo}: accepts any argument and emits it once, from inside {@code start}, which
   * then takes 20 ms to complete: its output exists before the subscription can be ready.
   */
  static final EventDescriptor ECHO =
      EventDescriptor.source("test.echo")
          .description("Echoes its argument.")
          .accepts(new JsonObject())
          .build();

  /**
   * {@code test.once}: emits one value and ends, both from inside {@code start}, which takes 20 ms
   * to complete.
   */
  static final EventDescriptor ONCE =
      EventDescriptor.source("test.once").description("One value, then the end.").build();

  private Vertx vertx;
  private Node herald;
  private TickSource ticks;
  private final AtomicInteger echoStarts = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
    ticks = new TickSource(vertx);
    herald.registerSource(TickSource.DESCRIPTOR, ticks).await();
    herald.registerSource(ECHO, echo()).await();
    herald.registerSource(ONCE, argument -> TestSources.once(vertx)).await();
  }

  private SourceFactory echo() {
    return argument ->
        new EventSource() {
          @Override
          public Future<Void> start(SourceSink sink) {
            echoStarts.incrementAndGet();
            sink.emit(EventMessage.added(null, new JsonObject().put("arg", argument)));
            return vertx.timer(20).mapEmpty();
          }

          @Override
          public Future<Void> stop() {
            return Future.succeededFuture();
          }
        };
  }

  private WsClient client() {
    return WsClient.connect(vertx, herald.httpPort());
  }

  private void assertReleased(int stops) {
    TestNodes.eventually(
        5000,
        "source instances stopped",
        () -> ticks.stops.get() == stops && herald.stats().sources.get() == 0);
    assertEquals(stops, ticks.stops.get());
  }

  @Test
  void argumentIsSplitAtTheFirstColonAndParsedAsJsonElseKeptRaw() {
    try (WsClient c = client()) {
      record Case(String name, Object arg) {}
      List<Case> cases =
          List.of(
              new Case("test.echo:a:b:c", "a:b:c"),
              new Case("test.echo:hello world", "hello world"),
              new Case("test.echo:{not json", "{not json"),
              new Case("test.echo:\"quoted\"", "quoted"),
              new Case("test.echo:42", 42),
              new Case("test.echo:true", true),
              new Case("test.echo:[1, \"two\"]", new JsonArray().add(1).add("two")),
              new Case(
                  "test.echo:{\"path\": \"/a:b\", \"n\": {\"x\": [1]}}",
                  new JsonObject()
                      .put("path", "/a:b")
                      .put("n", new JsonObject().put("x", new JsonArray().add(1)))));
      int id = 0;
      for (Case k : cases) {
        c.subscribe(++id, k.name());
        JsonObject added = c.next();
        assertEquals(
            new JsonObject()
                .put("msg", "added")
                .put("collection", k.name())
                .put("fields", new JsonObject().put("arg", k.arg())),
            added,
            k.name());
      }
    }
  }

  @Test
  void everyMessageNamesTheFullCollectionExactlyAsSent() {
    String name = "test.ticks:{ \"interval_ms\" :20 }";
    try (WsClient c = client()) {
      c.subscribe("t", name);
      for (int n = 1; n <= 3; n++) {
        assertEquals(
            new JsonObject()
                .put("msg", "added")
                .put("collection", name)
                .put(
                    "fields",
                    new JsonObject()
                        .put("n", n)
                        .put("arg", new JsonObject().put("interval_ms", 20))),
            c.next());
      }
    }
  }

  @Test
  void argumentsDifferingOnlyInSpacingOrKeyOrderShareOneInstanceYetKeepTheirOwnCollection() {
    String a1 = "test.ticks:{\"interval_ms\":20,\"count\":100000}";
    String b = "test.ticks:{ \"count\": 100000, \"interval_ms\": 20 }";
    String a2 = "test.ticks:{\"count\":100000,\n\"interval_ms\":20}";
    try (WsClient a = client();
        WsClient other = client()) {
      a.subscribe("a1", a1);
      other.subscribe("b", b);
      a.subscribeAmid("a2", a2);
      assertEquals(1, ticks.starts.get());
      assertEquals(1, herald.stats().sources.get());

      // Connection a: one message per subscription per tick, each with its own collection.
      JsonObject first = a.skipUntil(m -> a2.equals(m.getString("collection")));
      int n = first.getJsonObject("fields").getInteger("n");
      for (int k = n + 1; k <= n + 3; k++) {
        JsonObject one = a.next();
        JsonObject two = a.next();
        assertEquals(a1, one.getString("collection"));
        assertEquals(a2, two.getString("collection"));
        assertEquals(k, one.getJsonObject("fields").getInteger("n"));
        assertEquals(k, two.getJsonObject("fields").getInteger("n"));
      }
      // The other connection: the same stream under its own collection.
      int previous = 0;
      for (int i = 0; i < 4; i++) {
        JsonObject m = other.next();
        assertEquals(b, m.getString("collection"));
        int k = m.getJsonObject("fields").getInteger("n");
        assertTrue(
            previous == 0 || k == previous + 1,
            "consecutive ticks, got " + k + " after " + previous);
        previous = k;
      }
      assertTrue(
          previous >= n, "one shared stream: the other connection sees the same tick numbers");
      assertEquals(1, ticks.starts.get());
    }
    assertReleased(1);
  }

  @Test
  void differentArgumentsStartSeparateInstances() {
    String fast = "test.ticks:{\"interval_ms\":20}";
    String slow = "test.ticks:{\"interval_ms\":30}";
    try (WsClient a = client();
        WsClient b = client()) {
      a.subscribe("x", fast);
      b.subscribe("x", slow);
      a.subscribeAmid("y", "test.ticks:{\"interval_ms\":20,\"count\":1000}");
      assertEquals(3, ticks.starts.get());
      assertEquals(3, herald.stats().sources.get());
      assertEquals(1, b.next().getJsonObject("fields").getInteger("n"));
      assertEquals(slow, b.next().getString("collection"));
    }
    assertReleased(3);
  }

  @Test
  void lastUnsubscribeStopsTheInstance() {
    String name = "test.ticks:{\"interval_ms\":20}";
    try (WsClient a = client();
        WsClient b = client()) {
      a.subscribe("s", name);
      b.subscribe("s", name);
      a.send(unsub("s"));
      a.sync();
      assertEquals(0, ticks.stops.get());
      assertEquals(1, herald.stats().sources.get());
      int n = b.next().getJsonObject("fields").getInteger("n");
      assertEquals(n + 1, b.next().getJsonObject("fields").getInteger("n"), "still running for b");
      a.expectSilence(100);

      b.send(unsub("s"));
      assertReleased(1);
      assertEquals(0, herald.stats().subscriptions.get());
      b.sync();
      b.expectSilence(150);
      assertEquals(1, ticks.starts.get());
    }
  }

  @Test
  void lastSubscriberDisconnectingStopsTheInstance() {
    String name = "test.ticks:{\"interval_ms\":20}";
    WsClient a = client();
    WsClient b = client();
    a.subscribe("s", name);
    b.subscribe("s", name);
    a.close();
    TestNodes.eventually(5000, "a released", () -> herald.stats().connections.get() == 1);
    assertEquals(0, ticks.stops.get());
    assertEquals(1, herald.stats().sources.get());
    b.next();
    b.close();
    assertReleased(1);
    TestNodes.eventually(
        5000,
        "b released",
        () -> herald.stats().connections.get() == 0 && herald.stats().subscriptions.get() == 0);
  }

  @Test
  void schemaViolationIsNosubValidationWithIdAndCollectionAndNoReady() {
    try (WsClient c = client()) {
      for (String name :
          List.of(
              "test.ticks:{\"interval_ms\":0}",
              "test.ticks:{\"bogus\":1}",
              "test.ticks:fast",
              "test.ticks:{\"interval_ms\":\"20\"}")) {
        c.send(sub("bad", name));
        JsonObject nosub = c.next();
        assertEquals("nosub", nosub.getString("msg"), name);
        assertEquals("bad", nosub.getString("id"));
        assertEquals(name, nosub.getString("collection"));
        JsonObject error = nosub.getJsonObject("error");
        assertEquals("VALIDATION", error.getString("type"), name);
        assertEquals("EINVAL", error.getString("errname"));
        assertEquals(22, error.getInteger("error"));
        assertFalse(error.getJsonArray("extra").isEmpty());
        assertTrue(
            error.getJsonArray("extra").getJsonArray(0).getString(0).startsWith("test.ticks"));
        c.expectSilence(100);
      }
      assertEquals(0, ticks.starts.get());
      assertEquals(0, herald.stats().subscriptions.get());
    }
  }

  @Test
  void sourceWhoseStartFailsIsNosubWithItsError() {
    String name = "test.ticks:{\"fail\":true}";
    try (WsClient a = client();
        WsClient b = client()) {
      a.send(sub(1, name));
      JsonObject nosub = a.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals(1, nosub.getInteger("id"));
      assertEquals(name, nosub.getString("collection"));
      assertEquals("EINVAL", nosub.getJsonObject("error").getString("errname"));
      assertEquals("told to fail", nosub.getJsonObject("error").getString("reason"));
      a.expectSilence(100);
      assertReleased(1);
      assertEquals(0, herald.stats().subscriptions.get());

      // Not cached as a failure: the next subscriber gets a fresh attempt.
      b.send(sub(2, name));
      assertEquals("told to fail", b.next().getJsonObject("error").getString("reason"));
      assertEquals(2, ticks.starts.get());
      assertReleased(2);
    }
  }

  @Test
  void sourceThatEndsSendsNosubWithoutErrorAfterItsMessagesToEverySubscriber() {
    String name = "test.ticks:{\"interval_ms\":100,\"count\":3}";
    String sameArg = "test.ticks:{\"count\":3,\"interval_ms\":100}";
    try (WsClient a = client();
        WsClient b = client()) {
      a.subscribe("s", name);
      b.subscribe("s", sameArg);
      for (int n = 1; n <= 3; n++) {
        assertEquals(n, a.next().getJsonObject("fields").getInteger("n"));
      }
      assertEquals(nosub("s", name), a.next());
      JsonObject last = b.skipUntil(m -> "nosub".equals(m.getString("msg")));
      assertEquals(nosub("s", sameArg), last);
      assertReleased(1);
      assertEquals(0, herald.stats().subscriptions.get());
      a.expectSilence(150);

      // The ended subscription is gone: the same name starts a new instance.
      a.subscribe("s", name);
      assertEquals(1, a.next().getJsonObject("fields").getInteger("n"));
      assertEquals(2, ticks.starts.get());
    }
  }

  @Test
  void sourceThatEndsDuringItsStartStillDeliversReadyItsOutputThenNosubWithoutError() {
    try (WsClient c = client()) {
      c.send(sub("o", "test.once"));
      assertEquals(ready("o"), c.next());
      assertEquals(
          new JsonObject()
              .put("msg", "added")
              .put("collection", "test.once")
              .put("id", 1)
              .put("fields", new JsonObject().put("value", 42)),
          c.next());
      assertEquals(nosub("o", "test.once"), c.next());
      c.expectSilence(100);
      TestNodes.eventually(
          5000,
          "released",
          () -> herald.stats().sources.get() == 0 && herald.stats().subscriptions.get() == 0);
    }
  }

  @Test
  void readyAlwaysPrecedesTheFirstEvent() {
    try (WsClient c = client();
        WsClient d = client()) {
      // A source that emits during its own start, before the subscription can be ready.
      c.send(sub("echo", "test.echo:{\"early\":true}"));
      assertEquals("ready", c.next().getString("msg"));
      assertEquals("added", c.next().getString("msg"));

      // Joining a running instance that ticks every millisecond, many times over.
      String name = "test.ticks:{\"interval_ms\":1}";
      c.subscribe("running", name);
      for (int i = 0; i < 30; i++) {
        d.send(sub("j" + i, name));
        JsonObject first = d.next();
        assertEquals(ready("j" + i), first, "join " + i);
        d.send(unsub("j" + i));
        d.sync();
      }
      assertEquals(1, echoStarts.get());
      assertEquals(1, ticks.starts.get());
    }
  }

  @Test
  void subscriptionWithoutArgumentUsesTheBareNameAndANullArgument() {
    try (WsClient c = client()) {
      c.subscribe("plain", "test.echo");
      assertEquals(
          new JsonObject()
              .put("msg", "added")
              .put("collection", "test.echo")
              .put("fields", new JsonObject().putNull("arg")),
          c.next());
    }
  }
}

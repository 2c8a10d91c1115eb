package io.herald;

import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.herald.support.TestSources;
import io.herald.support.TickSource;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sources in a cluster: a subscription is served where its source runs — the named node, a node
 * that has the factory, the owner of a CLUSTER instance — and looks to the client as a local one
 * would.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteSourcesIT {

  /**
   * {@code test.shared}: ticks, one instance per argument in the whole cluster; registered on A and
   * C.
   */
  static final EventDescriptor SHARED =
      EventDescriptor.source("test.shared")
          .description("Cluster-wide ticks.")
          .accepts(TickSource.DESCRIPTOR.accepts())
          .placement(EventDescriptor.Placement.CLUSTER)
          .build();

  /**
   * {@code test.counter}: {@code {"n": k}} every 5 ms; its snapshot is {@code {"upto": <last n
   * emitted>}}.
   */
  static final EventDescriptor COUNTER =
      EventDescriptor.source("test.counter").description("Counts.").build();

  /** {@code test.flaky}: one message, then fails with EIO. */
  static final EventDescriptor FLAKY =
      EventDescriptor.source("test.flaky").description("Fails.").build();

  /** {@code test.once}: one message and its end, both during a start that takes 20 ms. */
  static final EventDescriptor ONCE =
      EventDescriptor.source("test.once").description("Once.").build();

  /** {@code test.on_d}: ticks, registered on D only. */
  static final EventDescriptor ON_D =
      EventDescriptor.source("test.on_d")
          .description("D's ticks.")
          .accepts(TickSource.DESCRIPTOR.accepts())
          .build();

  private static ClusterNodes cluster;
  private static Node a;
  private static Node b;
  private static Node c;

  /** Stopped by a test. */
  private static Node d;

  private static TickSource ticksOnA;
  private static TickSource sharedOnA;
  private static TickSource sharedOnC;

  @BeforeAll
  static void startCluster() {
    cluster = new ClusterNodes();
    a = cluster.start();
    b = cluster.start();
    c = cluster.start();
    d = cluster.start();
    ticksOnA = new TickSource(cluster.vertx(0));
    sharedOnA = new TickSource(cluster.vertx(0));
    sharedOnC = new TickSource(cluster.vertx(2));
    TestNodes.await(a.registerSource(TickSource.DESCRIPTOR, ticksOnA));
    TestNodes.await(a.registerSource(SHARED, sharedOnA));
    TestNodes.await(c.registerSource(SHARED, sharedOnC));
    TestNodes.await(a.registerSource(COUNTER, argument -> counter(cluster.vertx(0))));
    TestNodes.await(a.registerSource(FLAKY, argument -> flaky(cluster.vertx(0))));
    TestNodes.await(a.registerSource(ONCE, argument -> TestSources.once(cluster.vertx(0))));
    TestNodes.await(a.registerEvent(EventDescriptor.source("test.nowhere").build()));
    TestNodes.await(d.registerSource(ON_D, new TickSource(cluster.vertx(3))));
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void clientOfANodeWithoutTheSourceIsServedByTheNodeThatHasIt(Vertx client) {
    int starts = ticksOnA.starts.get();
    int stops = ticksOnA.stops.get();
    String name = "test.ticks:{\"interval_ms\":20}";
    String sameArg = "test.ticks:{ \"interval_ms\": 20 }";
    try (WsClient one = WsClient.connect(client, b.httpPort());
        WsClient two = WsClient.connect(client, b.httpPort())) {
      one.subscribe("s", name);
      two.subscribe("s", sameArg);
      int n = one.next().getJsonObject("fields").getInteger("n");
      for (int k = n + 1; k <= n + 3; k++) {
        assertEquals(
            new JsonObject()
                .put("msg", "added")
                .put("collection", name)
                .put(
                    "fields",
                    new JsonObject()
                        .put("n", k)
                        .put("arg", new JsonObject().put("interval_ms", 20))),
            one.next());
      }
      assertEquals(sameArg, two.next().getString("collection"));
      assertEquals(starts + 1, ticksOnA.starts.get(), "one instance on A for both subscriptions");
      assertEquals(1, a.stats().sources.get());
      assertEquals(0, b.stats().sources.get());

      one.send(unsub("s"));
      one.sync();
      two.skipUntil(m -> true);
      assertEquals(stops, ticksOnA.stops.get(), "still held by the other subscription");
      two.send(unsub("s"));
      TestNodes.eventually(
          5000,
          "the last unsub on B stops the instance on A",
          () -> ticksOnA.stops.get() == stops + 1 && a.stats().sources.get() == 0);
      two.sync();
      two.expectSilence(100);
    }
    TestNodes.eventually(5000, "B's consumers released", () -> b.stats().busConsumers.get() == 0);
  }

  @Test
  void nodeArgumentRunsAHostSourceOnTheNamedNodeOncePerArgument(Vertx client) {
    String onA = "reporting.realtime:{\"interval\":1,\"node\":\"" + a.nodeId() + "\"}";
    String onAToo = "reporting.realtime:{ \"node\": \"" + a.nodeId() + "\", \"interval\": 1 }";
    try (WsClient fromB = WsClient.connect(client, b.httpPort());
        WsClient fromC = WsClient.connect(client, c.httpPort())) {
      fromB.subscribe("r", onA);
      fromC.subscribe("r", onAToo);
      JsonObject report = fromB.next();
      assertEquals(onA, report.getString("collection"));
      assertEquals(a.nodeId(), report.getJsonObject("fields").getString("node"));
      JsonObject other = fromC.next();
      assertEquals(onAToo, other.getString("collection"));
      assertEquals(a.nodeId(), other.getJsonObject("fields").getString("node"));
      assertEquals(1, a.stats().sources.get(), "one instance on A for both nodes");
      assertEquals(0, b.stats().sources.get());
      assertEquals(0, c.stats().sources.get());

      // Without "node": the client's own node.
      try (WsClient plain = WsClient.connect(client, b.httpPort())) {
        plain.subscribe("own", "reporting.realtime:{\"interval\":1}");
        assertEquals(b.nodeId(), plain.next().getJsonObject("fields").getString("node"));
        assertEquals(1, b.stats().sources.get());
      }

      fromC.send(sub("x", "reporting.realtime:{\"node\":\"nope\"}"));
      JsonObject nosub = fromC.next(m -> "nosub".equals(m.getString("msg")));
      assertEquals("ENOENT", nosub.getJsonObject("error").getString("errname"));
      assertEquals(
          "Node 'nope' is not in the cluster", nosub.getJsonObject("error").getString("reason"));
    }
    TestNodes.eventually(
        5000,
        "every instance stopped",
        () ->
            a.stats().sources.get() == 0
                && b.stats().sources.get() == 0
                && c.stats().sources.get() == 0);
  }

  @Test
  void clusterSourceRunsOnceForSubscribersOnEveryNode(Vertx client) {
    int starts = sharedOnA.starts.get() + sharedOnC.starts.get();
    int stops = sharedOnA.stops.get() + sharedOnC.stops.get();
    String name = "test.shared:{\"interval_ms\":20}";
    try (WsClient onA = WsClient.connect(client, a.httpPort());
        WsClient onB = WsClient.connect(client, b.httpPort());
        WsClient onC = WsClient.connect(client, c.httpPort())) {
      onA.subscribe("s", name);
      onB.subscribe("s", name);
      onC.subscribe("s", name);
      for (WsClient each : List.of(onA, onB, onC)) {
        int n = each.next().getJsonObject("fields").getInteger("n");
        assertEquals(n + 1, each.next().getJsonObject("fields").getInteger("n"));
      }
      assertEquals(
          starts + 1,
          sharedOnA.starts.get() + sharedOnC.starts.get(),
          "one instance in the cluster");
      assertEquals(1, a.stats().sources.get() + b.stats().sources.get() + c.stats().sources.get());
      for (WsClient each : List.of(onA, onB, onC)) {
        each.send(unsub("s"));
      }
      TestNodes.eventually(
          5000,
          "the last unsub stops it",
          () ->
              sharedOnA.stops.get() + sharedOnC.stops.get() == stops + 1
                  && a.stats().sources.get() + c.stats().sources.get() == 0);

      // Its owner gave it up: the next subscription starts it again.
      onB.send(sub("again", name));
      onB.skipUntil(m -> "ready".equals(m.getString("msg")));
      onB.next();
      assertEquals(starts + 2, sharedOnA.starts.get() + sharedOnC.starts.get());
    }
    TestNodes.eventually(
        5000, "stopped again", () -> sharedOnA.stops.get() + sharedOnC.stops.get() == stops + 2);
  }

  @Test
  void remoteSnapshotThenStreamHasNoGapAndNoDuplicate(Vertx client) {
    try (WsClient first = WsClient.connect(client, b.httpPort());
        WsClient joining = WsClient.connect(client, b.httpPort());
        WsClient onC = WsClient.connect(client, c.httpPort())) {
      first.subscribe("c", "test.counter");
      assertContinuous(first);
      joining.subscribe("c", "test.counter");
      assertContinuous(joining);
      onC.subscribe("c", "test.counter");
      assertContinuous(onC);
      assertEquals(1, a.stats().sources.get());
    }
    TestNodes.eventually(5000, "stopped", () -> a.stats().sources.get() == 0);
  }

  /**
   * Before the snapshot: consecutive; the snapshot {@code upto}; then exactly {@code upto + 1, upto
   * + 2, ...}.
   */
  private static void assertContinuous(WsClient ws) {
    Integer expected = null;
    boolean snapshot = false;
    for (int i = 0; i < 40; i++) {
      JsonObject fields = ws.next().getJsonObject("fields");
      if (fields.containsKey("upto")) {
        assertTrue(!snapshot, "one snapshot");
        snapshot = true;
        int upto = fields.getInteger("upto");
        assertTrue(
            expected == null || upto == expected - 1,
            "messages before the snapshot are in it: " + upto);
        expected = upto + 1;
      } else {
        int n = fields.getInteger("n");
        assertTrue(expected == null || n == expected, "expected " + expected + ", got " + n);
        expected = n + 1;
      }
    }
    assertTrue(snapshot, "the snapshot came");
  }

  @Test
  void remoteSourceThatEndsOrFailsGivesNosub(Vertx client) {
    try (WsClient ws = WsClient.connect(client, b.httpPort())) {
      String counted = "test.ticks:{\"interval_ms\":20,\"count\":3}";
      ws.subscribe("t", counted);
      for (int n = 1; n <= 3; n++) {
        assertEquals(n, ws.next().getJsonObject("fields").getInteger("n"));
      }
      assertEquals(
          new JsonObject().put("msg", "nosub").put("id", "t").put("collection", counted),
          ws.next());

      ws.send(sub("f", "test.ticks:{\"fail\":true}"));
      JsonObject refused = ws.next();
      assertEquals("nosub", refused.getString("msg"));
      assertEquals("told to fail", refused.getJsonObject("error").getString("reason"));

      ws.subscribe("flaky", "test.flaky");
      assertEquals(1, ws.next().getJsonObject("fields").getInteger("n"));
      JsonObject failed = ws.next();
      assertEquals("nosub", failed.getString("msg"));
      assertEquals("EIO", failed.getJsonObject("error").getString("errname"));
      assertEquals("flaky", failed.getJsonObject("error").getString("reason"));

      // Ends during its start: ready, its output, then nosub, as locally.
      ws.subscribe("o", "test.once");
      assertEquals(
          new JsonObject()
              .put("msg", "added")
              .put("collection", "test.once")
              .put("id", 1)
              .put("fields", new JsonObject().put("value", 42)),
          ws.next());
      assertEquals(
          new JsonObject().put("msg", "nosub").put("id", "o").put("collection", "test.once"),
          ws.next());

      ws.send(sub("n", "test.nowhere"));
      JsonObject nowhere = ws.next();
      assertEquals("ENOENT", nowhere.getJsonObject("error").getString("errname"));
      assertEquals(
          "Event source 'test.nowhere' is not available on any node",
          nowhere.getJsonObject("error").getString("reason"));
      ws.sync();
      ws.expectSilence(100);
      assertEquals(0, b.stats().subscriptions.get());
    }
    TestNodes.eventually(
        5000,
        "nothing left running",
        () -> a.stats().sources.get() == 0 && b.stats().busConsumers.get() == 0);
  }

  @Test
  @Order(Integer.MAX_VALUE - 1)
  void ownerThatStopsEndsItsRemoteSubscriptionsWithNosubNamingIt(Vertx client) {
    try (WsClient ws = WsClient.connect(client, b.httpPort())) {
      ws.subscribe("d", "test.on_d:{\"interval_ms\":20}");
      ws.next();
      TestNodes.await(d.close());
      JsonObject nosub = ws.skipUntil(m -> "nosub".equals(m.getString("msg")));
      assertEquals("d", nosub.getString("id"));
      assertEquals(RemoteSourcesIT.nodeLost("test.on_d", d.nodeId()), nosub.getJsonObject("error"));
      TestNodes.eventually(
          5000,
          "released on B",
          () -> b.stats().subscriptions.get() == 0 && b.stats().busConsumers.get() == 0);
    }
  }

  static JsonObject nodeLost(String event, String node) {
    return ErrorDict.of(
            Errno.EHOSTDOWN,
            "Event source '"
                + event
                + "' ended: node '"
                + node
                + "', which ran it, left the cluster")
        .toJson();
  }

  /** Last: it crashes C, then A. */
  @Test
  @Order(Integer.MAX_VALUE)
  void lostSubscriberNodeReleasesItsHoldsAndLostOwnerEndsItsSubscriptions(Vertx client) {
    int stops = ticksOnA.stops.get();
    WsClient kept = WsClient.connect(client, b.httpPort());
    WsClient lost = WsClient.connect(client, c.httpPort());
    kept.subscribe("k", "test.ticks:{\"interval_ms\":20}");
    lost.subscribe("l", "test.ticks:{\"interval_ms\":25}");
    kept.next();
    lost.next();
    assertEquals(2, a.stats().sources.get());

    cluster.crash(2);
    lost.close();
    TestNodes.eventually(
        10_000,
        "A drops the holds of the lost node C",
        () -> ticksOnA.stops.get() == stops + 1 && a.stats().sources.get() == 1);
    kept.skipUntil(m -> "added".equals(m.getString("msg")));

    cluster.crash(0);
    JsonObject nosub = kept.skipUntil(m -> "nosub".equals(m.getString("msg")));
    assertEquals("k", nosub.getString("id"));
    assertEquals(nodeLost("test.ticks", a.nodeId()), nosub.getJsonObject("error"));
    TestNodes.eventually(
        5000,
        "released on B",
        () -> b.stats().subscriptions.get() == 0 && b.stats().busConsumers.get() == 0);

    // Subscribing again is possible; now no node runs the source.
    kept.send(sub("k", "test.ticks:{\"interval_ms\":20}"));
    JsonObject again = kept.next();
    assertEquals("ENOENT", again.getJsonObject("error").getString("errname"), again.encode());
    kept.close();
  }

  private static EventSource counter(Vertx vertx) {
    return new EventSource() {
      long timer = -1;
      int n;

      @Override
      public Future<Void> start(SourceSink sink) {
        timer =
            vertx.setPeriodic(
                5, id -> sink.emit(EventMessage.added(null, new JsonObject().put("n", ++n))));
        return Future.succeededFuture();
      }

      @Override
      public Future<List<EventMessage>> snapshot() {
        return Future.succeededFuture(
            List.of(EventMessage.added(null, new JsonObject().put("upto", n))));
      }

      @Override
      public Future<Void> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
      }
    };
  }

  private static EventSource flaky(Vertx vertx) {
    return new EventSource() {
      @Override
      public Future<Void> start(SourceSink sink) {
        vertx.setTimer(
            50,
            id -> {
              sink.emit(EventMessage.added(null, new JsonObject().put("n", 1)));
              vertx.setTimer(20, id2 -> sink.fail(ErrorDict.of(Errno.EIO, "flaky")));
            });
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> stop() {
        return Future.succeededFuture();
      }
    };
  }
}

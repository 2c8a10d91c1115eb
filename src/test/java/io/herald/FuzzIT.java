package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.Fuzz;
import io.herald.support.Http;
import io.herald.support.TestNodes;
import io.herald.support.TickPublisher;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random and mutated messages and frames, floods, vanishing clients, slow handshakes and half-open
 * sockets against a live node (jqwik; the long run is {@code scripts/fuzz}). Meanwhile a
 * well-behaved subscriber must get every event of a {@link TickPublisher}, in order; after each try
 * the node still answers; at the end nothing is left behind (connections, subscriptions, sources,
 * calls).
 */
class FuzzIT {

  private Vertx vertx;
  private Node herald;
  private Fuzz.WellBehaved subscriber;
  private Fuzz.Runner runner;

  @BeforeProperty
  void start() {
    vertx = Vertx.vertx();
    herald = TestNodes.standalone(vertx, Fuzz.nodeSettings());
    TestNodes.await(vertx.deployVerticle(new TickPublisher(herald)));
    subscriber = new Fuzz.WellBehaved(vertx, herald.httpPort());
    runner = new Fuzz.Runner(herald.httpPort());
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void hostileClientsNeitherBreakTheNodeNorDisturbAWellBehavedOne(
      @ForAll("sessions") @Size(max = 8) List<Fuzz.Action> session) throws Exception {
    for (Fuzz.Action action : session) {
      runner.play(action);
    }
    assertNull(subscriber.closed(), "the well-behaved subscriber was closed");
    assertEquals(0, subscriber.lost.get(), "events the well-behaved subscriber lost");
    assertEquals(0, subscriber.outOfOrder.get(), "events out of order");
    try (WsClient probe = WsClient.connect(vertx, herald.httpPort())) {
      assertEquals("pong", probe.call("core.ping", new JsonArray()).getString("result"));
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<List<Fuzz.Action>> sessions() {
    return Fuzz.action().list().ofMinSize(1).ofMaxSize(8);
  }

  @AfterProperty
  void nothingIsLeftBehind() throws Exception {
    try {
      runner.finish();
      long before = subscriber.received.get();
      TestNodes.eventually(
          20_000,
          "only the well-behaved subscriber left: " + Http.status(herald.httpPort()),
          () -> {
            JsonObject status = Http.status(herald.httpPort());
            return status.getInteger("connections") == 1
                && status.getInteger("subscriptions") == 1
                && status.getInteger("sources") == 0
                && status.getInteger("calls_in_flight") == 0;
          });
      TestNodes.eventually(
          5000, "the subscriber still receives", () -> subscriber.received.get() > before);
      assertEquals(0, subscriber.lost.get(), "events the well-behaved subscriber lost");
      assertEquals(0, subscriber.outOfOrder.get(), "events out of order");
      assertTrue(subscriber.received.get() > 0);
      try (WsClient probe = WsClient.connect(vertx, herald.httpPort())) {
        assertEquals("pong", probe.call("core.ping", new JsonArray()).getString("result"));
      }
      System.out.println(
          "fuzz: "
              + runner.stats.messages.sum()
              + " messages, "
              + runner.stats.connections.sum()
              + " connections, well-behaved received "
              + subscriber.received.get()
              + ", "
              + runner.stats.kinds());
    } finally {
      subscriber.close();
      TestNodes.await(herald.close());
      TestNodes.await(vertx.close());
    }
  }
}

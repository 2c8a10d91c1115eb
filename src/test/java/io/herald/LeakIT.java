package io.herald;

import static io.herald.support.Messages.method;
import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.RawWebSocket;
import io.herald.support.TestNodes;
import io.herald.support.TickSource;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every way a connection can end releases everything it held: after many connect / subscribe /
 * disconnect cycles — clean closes, closes with subscriptions still pending, TCP resets — the
 * node's status is back to zero.
 */
@ExtendWith(VertxExtension.class)
class LeakIT {

  private static final String EVENT = "test.leak";
  private static final String SHARED_SOURCE = "test.ticks:{\"interval_ms\":5}";
  private static final List<String> ZEROED =
      List.of("connections", "subscriptions", "bus_consumers", "sources", "calls_in_flight");

  private Vertx vertx;
  private Node herald;
  private TickSource ticks;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
    ticks = new TickSource(vertx);
    herald.registerSource(TickSource.DESCRIPTOR, ticks).await();
    herald.registerEvent(EventDescriptor.broadcast(EVENT).build()).await();
  }

  /**
   * A source argument of its own for cycle {@code i}, so that instances are started and stopped all
   * along.
   */
  private static String ownSource(int i) {
    return "test.ticks:{\"interval_ms\":" + (5 + i % 11) + ",\"count\":" + (1000 + i) + "}";
  }

  private static JsonObject ping(String id) {
    return method(id, "core.ping", new JsonArray());
  }

  @Test
  void connectSubscribeDisconnectCyclesLeaveNothingBehind() {
    long publisher =
        vertx.setPeriodic(
            2,
            id ->
                herald.publish(
                    EVENT,
                    EventMessage.changed(id, new JsonObject().put("at", System.nanoTime()))));
    int port = herald.httpPort();
    for (int i = 0; i < 200; i++) {
      switch (i % 8) {
        case 0 -> {
          try (WsClient c = WsClient.connect(vertx, port)) {
            c.subscribe("b", EVENT);
            assertEquals(EVENT, c.next().getString("collection"));
          }
        }
        case 1 -> {
          try (WsClient c = WsClient.connect(vertx, port)) {
            c.subscribeAmid("all", "*");
            c.subscribeAmid("b", EVENT);
            c.next();
          }
        }
        case 2 -> {
          try (WsClient c = WsClient.connect(vertx, port)) {
            c.subscribeAmid("shared", SHARED_SOURCE);
            c.subscribeAmid("own", ownSource(i));
            c.next();
            c.send(unsub("own"));
          }
        }
        case 3 -> {
          // Closed with every kind of subscription still pending: nothing waits for ready.
          try (WsClient c = WsClient.connect(vertx, port)) {
            c.send(sub(1, EVENT))
                .send(sub(2, "*"))
                .send(sub(3, ownSource(i)))
                .send(sub(4, SHARED_SOURCE))
                .send(ping("p"));
          }
        }
        case 4 -> {
          // Subscriptions and a call sent, then a TCP reset before any answer is read.
          RawWebSocket raw = RawWebSocket.connect(port);
          raw.send(sub("b", EVENT))
              .send(sub("all", "*"))
              .send(sub("own", ownSource(i)))
              .send(ping("p"));
          raw.reset();
        }
        case 5 -> {
          // A reset once the subscriptions are live and events flow.
          RawWebSocket raw = RawWebSocket.connect(port);
          raw.send(sub("b", EVENT)).send(sub("src", SHARED_SOURCE));
          int ready = 0;
          while (ready < 2) {
            if ("ready".equals(raw.nextMessage().getString("msg"))) {
              ready++;
            }
          }
          raw.nextMessage();
          raw.reset();
        }
        case 6 -> {
          // Upgrade request and a sub in one go, reset before the handshake answer is even read.
          RawWebSocket raw = RawWebSocket.connect(port, 0, false);
          raw.send(sub("own", ownSource(i))).send(sub("all", "*"));
          raw.reset();
        }
        default -> {
          // Replacing and unsubscribing, then a clean close with a call in flight.
          try (WsClient c = WsClient.connect(vertx, port)) {
            c.subscribeAmid("x", EVENT);
            c.subscribeAmid("x", ownSource(i));
            c.send(sub("x", "*")).send(unsub("x")).send(ping("p"));
          }
        }
      }
    }
    vertx.cancelTimer(publisher);

    AtomicReference<JsonObject> last = new AtomicReference<>();
    try {
      TestNodes.eventually(
          30_000,
          "an idle status, last seen " + last,
          () -> {
            JsonObject status = Http.status(port);
            last.set(status);
            return ZEROED.stream().allMatch(key -> status.getInteger(key) == 0);
          });
    } catch (AssertionError e) {
      throw new AssertionError("status never went back to zero: " + last.get(), e);
    }
    assertEquals(
        ticks.starts.get(), ticks.stops.get(), "every source instance started was stopped");

    // The node still serves normally afterwards.
    try (WsClient c = WsClient.connect(vertx, port)) {
      c.subscribe("after", SHARED_SOURCE);
      assertEquals(SHARED_SOURCE, c.next().getString("collection"));
    }
  }

  @Test
  void connectionsClosingDuringAFanOutCostTheOtherSubscribersNothing() {
    int port = herald.httpPort();
    List<WsClient> closers = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      WsClient c = WsClient.connect(vertx, port);
      c.subscribe("s", i % 4 == 0 ? "*" : EVENT);
      closers.add(c);
    }
    // Subscribed last, so that the fan-out reaches them after every closing connection.
    try (WsClient named = WsClient.connect(vertx, port);
        WsClient all = WsClient.connect(vertx, port)) {
      named.subscribe("s", EVENT);
      all.subscribe("s", "*");
      int seq = 0;
      for (WsClient closer : closers) {
        for (int k = 0; k < 40; k++) {
          herald.publish(EVENT, EventMessage.changed(++seq, new JsonObject())).await();
        }
        closer.socket().close();
      }
      for (int k = 0; k < 100; k++) {
        herald.publish(EVENT, EventMessage.changed(++seq, new JsonObject())).await();
      }
      for (int expected = 1; expected <= seq; expected++) {
        assertEquals(
            expected,
            nextId(named, expected),
            "events reach the named subscriber in order, none lost");
        assertEquals(
            expected, nextId(all, expected), "events reach the * subscriber in order, none lost");
      }
    } finally {
      closers.forEach(WsClient::close);
    }
  }

  private static int nextId(WsClient c, int expected) {
    try {
      return c.next().getInteger("id");
    } catch (AssertionError e) {
      throw new AssertionError("event " + expected + " and later never arrived", e);
    }
  }
}

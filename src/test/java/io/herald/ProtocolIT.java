package io.herald;

import static io.herald.support.Messages.ping;
import static io.herald.support.Messages.pong;
import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every message type of the protocol, over real websockets against a real node. */
@ExtendWith(VertxExtension.class)
class ProtocolIT {

  private Vertx vertx;
  private Node herald;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
    herald
        .registerEvent(EventDescriptor.broadcast("test.jobs").description("Test jobs").build())
        .await();
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.hidden_from_wildcard").wildcard(false).build())
        .await();
  }

  private WsClient client() {
    return WsClient.connect(vertx, herald.httpPort());
  }

  @Test
  void connectAnswersConnectedWithASession() {
    try (WsClient c = client()) {
      c.send(
          new JsonObject()
              .put("msg", "connect")
              .put("version", "1")
              .put("support", new JsonArray().add("1")));
      JsonObject connected = c.next();
      assertEquals("connected", connected.getString("msg"));
      assertNotNull(UUID.fromString(connected.getString("session")));
      assertEquals(2, connected.size());
    }
  }

  @Test
  void connectWithAnotherVersionFails() {
    try (WsClient c = client()) {
      c.send(new JsonObject().put("msg", "connect").put("version", "2"));
      assertEquals(new JsonObject().put("msg", "failed").put("version", "1"), c.next());
      c.send(ping("still-open"));
      assertEquals(pong("still-open"), c.next());
    }
  }

  @Test
  void pingEchoesItsIdOrNone() {
    try (WsClient c = client()) {
      c.send(ping("x"));
      assertEquals(pong("x"), c.next());
      c.send(new JsonObject().put("msg", "ping"));
      assertEquals(new JsonObject().put("msg", "pong"), c.next());
      c.send(ping(7));
      assertEquals(pong(7), c.next());
    }
  }

  @Test
  void publishedEventReachesSubscriberVerbatim() {
    try (WsClient c = client()) {
      c.subscribe("19922f7c2-ce2b-4455-443a-80bbae5937a2", "test.jobs");
      JsonObject fields =
          new JsonObject()
              .put("id", 26)
              .put("state", "WAITING")
              .put("time_started", new JsonObject().put("$date", 1571305262662L));
      herald.publish("test.jobs", EventMessage.added(26, fields)).await();
      assertEquals(
          new JsonObject()
              .put("msg", "added")
              .put("collection", "test.jobs")
              .put("id", 26)
              .put("fields", fields),
          c.next());
      herald
          .publish(
              "test.jobs",
              EventMessage.removed(26).withExtra(new JsonObject().put("cleared", true)))
          .await();
      assertEquals(
          new JsonObject()
              .put("msg", "removed")
              .put("collection", "test.jobs")
              .put("id", 26)
              .put("extra", new JsonObject().put("cleared", true)),
          c.next());
    }
  }

  @Test
  void numericSubIdIsEchoedAsANumber() {
    try (WsClient c = client()) {
      c.subscribe(42, "test.jobs");
    }
  }

  @Test
  void wildcardGetsEligibleEventsOnlyAndOneCopyPerConnection() {
    try (WsClient c = client()) {
      c.subscribe("all", "*");
      c.subscribe("named", "test.jobs");
      c.subscribe("named-again", "test.jobs");
      herald
          .publish("test.hidden_from_wildcard", EventMessage.changed(1, new JsonObject()))
          .await();
      herald.publish("test.jobs", EventMessage.changed(2, new JsonObject().put("k", "v"))).await();
      JsonObject first = c.next();
      assertEquals("test.jobs", first.getString("collection"));
      assertEquals(2, first.getInteger("id"));
      c.expectSilence(300);
    }
  }

  @Test
  void wildcardCoversEventsRegisteredAfterTheSubscription() {
    try (WsClient c = client()) {
      c.subscribe("all", "*");
      int tapped = herald.stats().busConsumers.get();
      herald.registerEvent(EventDescriptor.broadcast("test.late").build()).await();
      TestNodes.eventually(
          5000, "tap for test.late", () -> herald.stats().busConsumers.get() == tapped + 1);
      herald.publish("test.late", EventMessage.changed(1, new JsonObject())).await();
      assertEquals("test.late", c.next().getString("collection"));
    }
  }

  @Test
  void unsubSendsNothingAndStopsDelivery() {
    try (WsClient c = client()) {
      c.subscribe("s1", "test.jobs");
      c.send(unsub("s1"));
      c.send(unsub("never-subscribed"));
      c.send(ping("after"));
      assertEquals(pong("after"), c.next());
      herald.publish("test.jobs", EventMessage.changed(1, new JsonObject())).await();
      c.expectSilence(300);
    }
  }

  @Test
  void unknownEventGetsNosubWithEnoentAndNoReady() {
    try (WsClient c = client()) {
      c.send(sub("s", "no.such_event"));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("s", nosub.getString("id"));
      assertEquals("no.such_event", nosub.getString("collection"));
      assertEquals("ENOENT", nosub.getJsonObject("error").getString("errname"));
      assertEquals(
          "Event 'no.such_event' does not exist", nosub.getJsonObject("error").getString("reason"));
      c.expectSilence(200);
    }
  }

  @Test
  void argumentToBroadcastEventIsAValidationError() {
    try (WsClient c = client()) {
      c.send(sub("s", "test.jobs:{\"x\":1}"));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("test.jobs:{\"x\":1}", nosub.getString("collection"));
      assertEquals("VALIDATION", nosub.getJsonObject("error").getString("type"));
    }
  }

  @Test
  void coreMethodsAnswer() {
    try (WsClient c = client()) {
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 1).put("result", "pong"),
          c.call(1, "core.ping", new JsonArray()));
      JsonObject events = c.call("e", "core.get_events", new JsonArray()).getJsonObject("result");
      assertEquals(
          new JsonObject()
              .put("description", "Test jobs")
              .put("wildcard_subscription", true)
              .putNull("accepts")
              .putNull("returns")
              .put("roles", new JsonArray())
              .put("no_auth_required", false),
          events.getJsonObject("test.jobs"));
      assertFalse(
          events.getJsonObject("test.hidden_from_wildcard").getBoolean("wildcard_subscription"));
    }
  }

  @Test
  void unknownMethodIsEnomethod() {
    try (WsClient c = client()) {
      JsonObject error = c.call("m", "core.nope", new JsonArray()).getJsonObject("error");
      assertEquals(201, error.getInteger("error"));
      assertEquals("ENOMETHOD", error.getString("errname"));
      assertEquals("[ENOMETHOD] Method 'nope' not found in 'core'", error.getString("reason"));
      assertTrue(
          error.containsKey("trace") && error.containsKey("extra") && error.containsKey("type"));
    }
  }

  @Test
  void wrongParamsAreAValidationErrorWithTrace() {
    try (WsClient c = client()) {
      JsonObject error = c.call("m", "core.ping", new JsonArray().add(1)).getJsonObject("error");
      assertEquals(22, error.getInteger("error"));
      assertEquals("EINVAL", error.getString("errname"));
      assertEquals("VALIDATION", error.getString("type"));
      assertNotNull(error.getJsonObject("trace"));
      JsonArray first = error.getJsonArray("extra").getJsonArray(0);
      assertEquals("core.ping", first.getString(0));
      assertEquals(22, first.getInteger(2));
    }
  }

  @Test
  void statusCountsLiveObjects() {
    try (WsClient c = client()) {
      c.subscribe("s", "test.jobs");
      JsonObject status = herald.stats().toJson();
      assertEquals(1, status.getInteger("connections"));
      assertEquals(1, status.getInteger("subscriptions"));
      assertEquals(1, status.getInteger("bus_consumers"));
    }
    TestNodes.eventually(
        5000,
        "connection released",
        () ->
            herald.stats().connections.get() == 0
                && herald.stats().subscriptions.get() == 0
                && herald.stats().busConsumers.get() == 0);
  }
}

package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.sources.alerts.AlertConfig;
import io.herald.sources.alerts.Alerts;
import io.herald.sources.alerts.HostMetrics;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two clustered nodes in one JVM: events, registry and methods cross nodes. */
@ExtendWith(VertxExtension.class)
class ClusterIT {

  private static ClusterNodes cluster;
  private static Node a;
  private static Node b;

  @BeforeAll
  static void startCluster() {
    cluster = new ClusterNodes();
    a = cluster.start();
    b = cluster.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void eventPublishedOnNodeAReachesSubscriberOnNodeB(Vertx client) {
    TestNodes.await(a.registerEvent(EventDescriptor.broadcast("cluster.a_to_b").build()));
    try (WsClient onB = WsClient.connect(client, b.httpPort())) {
      onB.subscribe("s", "cluster.a_to_b");
      for (int i = 0; i < 20; i++) {
        TestNodes.await(
            a.publish("cluster.a_to_b", EventMessage.changed(i, new JsonObject().put("i", i))));
      }
      for (int i = 0; i < 20; i++) {
        assertEquals(i, onB.next().getInteger("id"), "in publish order");
      }
    }
  }

  @Test
  void aNodeHoldsOneBusConsumerPerEventHoweverManyLocalSubscribers(Vertx client) {
    TestNodes.await(a.registerEvent(EventDescriptor.broadcast("cluster.crowded").build()));
    TestNodes.eventually(
        5000, "B learns the event", () -> b.catalogue().containsKey("cluster.crowded"));
    int before = b.stats().busConsumers.get();
    java.util.List<WsClient> clients = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 25; i++) {
        WsClient c = WsClient.connect(client, b.httpPort());
        c.subscribe("s", "cluster.crowded");
        c.subscribe("again", "cluster.crowded");
        clients.add(c);
      }
      assertEquals(before + 1, b.stats().busConsumers.get(), "one consumer for 50 subscriptions");
      TestNodes.await(a.publish("cluster.crowded", EventMessage.changed(1, new JsonObject())));
      for (WsClient c : clients) {
        assertEquals("cluster.crowded", c.next().getString("collection"));
        c.expectSilence(50);
      }
    } finally {
      clients.forEach(WsClient::close);
    }
    TestNodes.eventually(
        5000,
        "the consumer is released after the last subscriber",
        () -> b.stats().busConsumers.get() == before);
  }

  @Test
  void eventRegisteredOnOneNodeIsInTheCatalogueOfEveryNode(Vertx client) {
    TestNodes.await(
        a.registerEvent(
            EventDescriptor.broadcast("cluster.catalogued").description("on A").build()));
    TestNodes.eventually(
        5000, "B learns the event", () -> b.catalogue().containsKey("cluster.catalogued"));
    try (WsClient onB = WsClient.connect(client, b.httpPort())) {
      JsonObject events = onB.call(1, "core.get_events", new JsonArray()).getJsonObject("result");
      assertEquals("on A", events.getJsonObject("cluster.catalogued").getString("description"));
    }
  }

  @Test
  void conflictingRegistrationOnAnotherNodeIsRefused() {
    TestNodes.await(
        a.registerEvent(EventDescriptor.broadcast("cluster.conflict").description("one").build()));
    Future<Void> other =
        b.registerEvent(EventDescriptor.broadcast("cluster.conflict").description("two").build());
    Throwable failure = TestNodes.await(other.transform(ar -> Future.succeededFuture(ar.cause())));
    assertEquals(
        "Event 'cluster.conflict' is already registered in the cluster with another definition",
        failure.getMessage());
  }

  @Test
  void methodRegisteredOnNodeAIsCallableFromNodeB(Vertx client) {
    TestNodes.await(
        a.registerMethod(
            new MethodDescriptor(
                "cluster.whereami",
                "",
                null,
                call ->
                    Future.succeededFuture(
                        new JsonObject().put("node", a.nodeId()).put("params", call.params())))));
    try (WsClient onB = WsClient.connect(client, b.httpPort())) {
      JsonObject result =
          onB.call(1, "cluster.whereami", new JsonArray().add("x")).getJsonObject("result");
      assertEquals(a.nodeId(), result.getString("node"));
      assertEquals(new JsonArray().add("x"), result.getJsonArray("params"));
      assertEquals(
          "ENOMETHOD",
          onB.call(2, "cluster.nowhere", new JsonArray())
              .getJsonObject("error")
              .getString("errname"));
    }
  }

  @Test
  void aFailedJobIsAlertedOnceByItsOwnNodeAndReachesEveryNode(Vertx client) {
    AlertConfig quiet =
        new AlertConfig(
            3_600_000,
            3_600_000,
            new AlertConfig.Thresholds(90, 95, 85),
            new AlertConfig.Thresholds(90, 95, 85),
            new AlertConfig.Thresholds(2, 4, 1.5));
    TestNodes.await(
        cluster
            .vertx(0)
            .deployVerticle(Alerts.engine(a, quiet, () -> new HostMetrics(null, null, null))));
    TestNodes.await(
        cluster
            .vertx(1)
            .deployVerticle(Alerts.engine(b, quiet, () -> new HostMetrics(null, null, null))));
    TestNodes.await(
        a.registerJobMethod("cluster.fail_on_a", "", null, job -> Future.failedFuture("on A")));
    TestNodes.await(
        b.registerJobMethod("cluster.fail_on_b", "", null, job -> Future.failedFuture("on B")));
    try (WsClient onB = WsClient.connect(client, b.httpPort())) {
      onB.subscribe("alerts", Alerts.EVENT);
      long onA = onB.call(1, "cluster.fail_on_a", new JsonArray()).getLong("result");
      JsonObject first =
          onB.next(m -> Alerts.EVENT.equals(m.getString("collection"))).getJsonObject("fields");
      assertEquals(a.nodeId(), first.getString("node"));
      assertEquals(Long.toString(onA), first.getString("key"));

      long onBId = onB.call(2, "cluster.fail_on_b", new JsonArray()).getLong("result");
      JsonObject second =
          onB.next(m -> Alerts.EVENT.equals(m.getString("collection"))).getJsonObject("fields");
      assertEquals(
          b.nodeId() + " " + onBId,
          second.getString("node") + " " + second.getString("key"),
          "B raised no alert for A's job");
      assertEquals(
          new JsonArray().add(second),
          onB.call(3, "alert.list", new JsonArray()).getJsonArray("result"),
          "alert.list answers with the alerts of the client's node");
    }
  }
}

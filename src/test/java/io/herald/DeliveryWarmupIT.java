package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.session.DeliveryWarmup;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The warm-up before ready ({@code http.warmup-ms}) runs the real fan-out to real connections,
 * within its budget, and leaves nothing a client or an operator would see: no connection, no bus
 * consumer, no event in the catalogue, none of its frames in the node's counts; and the node serves
 * as usual afterwards. Its effect on latency is measured by {@code scripts/bench} (cold scenario),
 * not here.
 */
@ExtendWith(VertxExtension.class)
class DeliveryWarmupIT {

  @Test
  void aWarmupFansOutWithinItsBudgetAndLeavesNothingBehind(Vertx vertx) {
    long budget = 1500;
    Node node =
        TestNodes.standalone(
            vertx, new JsonObject().put("http.warmup-ms", budget).put("auth.anonymous-roles", ""));
    DeliveryWarmup.Report report = node.warmup();
    assertTrue(report.ms() >= 1000, "at least a second: " + report);
    assertTrue(report.ms() < budget + 1000, "the budget bounds it: " + report);
    assertTrue(report.events() > 100, "events published: " + report);
    // every connection got the events (the pongs alone come to a few per event: a broken fan-out
    // stays far below this)
    assertTrue(
        report.frames() >= report.events() * DeliveryWarmup.SOCKETS / 2,
        "the events reached its connections: " + report);
    assertEquals(0, node.stats().connections.get(), "no connection left, none counted");
    assertEquals(0, node.stats().busConsumers.get(), "no bus consumer left");
    assertEquals(0, node.stats().delivered.sum(), "the node's counts do not include it");
    assertTrue(
        node.catalogue().fieldNames().stream().noneMatch(n -> n.startsWith("herald.warmup")),
        "nothing registered: " + node.catalogue().fieldNames());
    try (WsClient client = WsClient.connect(vertx, node.httpPort())) {
      client.assertNoMoreMessages(); // a ping answered: the node serves as usual
    }
  }

  @Test
  void noBudgetNoWarmup(Vertx vertx) {
    Node node = TestNodes.standalone(vertx);
    assertEquals(new DeliveryWarmup.Report(0, 0, 0, false), node.warmup());
  }
}

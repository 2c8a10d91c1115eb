package io.herald.ops;

import static io.herald.support.Prometheus.scrape;
import static io.herald.support.Prometheus.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.node.Node;
import io.herald.support.Messages;
import io.herald.support.Prometheus;
import io.herald.support.RawWebSocket;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /metrics} against known activity on a real node: connections per endpoint,
 * subscriptions per event, close codes, method calls and their outcome, logins, the token.
 */
@ExtendWith(VertxExtension.class)
class MetricsIT {

  private static final String EVENT = "test.metrics";

  @Test
  void connectionsPerEndpointSubscriptionsPerEventAndCloseCodes(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    herald.registerEvent(EventDescriptor.broadcast(EVENT).build()).await();
    int port = herald.httpPort();
    String before = scrape(port);
    assertEquals(0.0, value(before, "herald_connections", "endpoint", "/websocket"));
    assertEquals(0.0, value(before, "herald_connections", "endpoint", "/api/current"));
    double normalBefore = value(before, "herald_disconnects_total", "code", "1000");

    List<WsClient> legacy = new ArrayList<>();
    List<WsClient> jsonRpc = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        legacy.add(WsClient.connect(vertx, port));
      }
      for (int i = 0; i < 2; i++) {
        jsonRpc.add(WsClient.connect(vertx, port, "/api/current"));
      }
      legacy.get(0).subscribe("a", EVENT);
      legacy.get(1).subscribe("b", EVENT);
      legacy.get(2).subscribe("c", "*");
      // refused: an event no node has, with an argument the label must never carry
      legacy.get(2).send(Messages.sub("d", "no.such.event:secret-argument"));
      assertEquals("nosub", legacy.get(2).next().getString("msg"));
      jsonRpc
          .get(0)
          .send(
              new JsonObject()
                  .put("jsonrpc", "2.0")
                  .put("id", 1)
                  .put("method", "core.subscribe")
                  .put("params", new JsonArray().add(EVENT)));
      assertTrue(jsonRpc.get(0).next().containsKey("result"));

      String text = scrape(port);
      assertEquals(3.0, value(text, "herald_connections", "endpoint", "/websocket"), text);
      assertEquals(2.0, value(text, "herald_connections", "endpoint", "/api/current"));
      assertEquals(3.0, value(text, "herald_subscriptions", "event", EVENT));
      assertEquals(1.0, value(text, "herald_subscriptions", "event", "*"));
      assertFalse(text.contains("no.such.event"), "an unregistered name is no label value");
      assertFalse(text.contains("secret-argument"), "an argument is never a label value");
      assertEquals(
          herald.stats().busConsumers.get(),
          value(text, "herald_bus_consumers"),
          "as /api/status counts them");
      assertTrue(value(text, "herald_bus_consumers") >= 1, "one for " + EVENT + " at least");

      herald.publish(EVENT, EventMessage.changed(1, new JsonObject().put("n", 1))).await();
      legacy.get(0).next();
      double delivered = value(scrape(port), "herald_messages_delivered_total");
      assertTrue(delivered >= 3 + 1 + 1 + 1, "every frame written is counted: " + delivered);

      legacy.get(0).close();
      legacy.get(1).close();
      TestNodes.eventually(
          5000,
          "two closes counted",
          () -> value(scrape(port), "herald_connections", "endpoint", "/websocket") == 1.0);
      String after = scrape(port);
      assertEquals(1.0, value(after, "herald_subscriptions", "event", EVENT));
      assertEquals(normalBefore + 2, value(after, "herald_disconnects_total", "code", "1000"));
    } finally {
      legacy.forEach(WsClient::close);
      jsonRpc.forEach(WsClient::close);
    }
  }

  @Test
  void aSlowConsumerClosedWith4001IsCountedUnderItsCode(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("ws.max-pending-bytes", 65536));
    herald.registerEvent(EventDescriptor.broadcast(EVENT).build()).await();
    int port = herald.httpPort();
    double before = value(scrape(port), "herald_disconnects_total", "code", "4001");
    RawWebSocket slow = RawWebSocket.connect(port, 4096, true);
    slow.send(Messages.sub("slow", EVENT));
    TestNodes.eventually(5000, "subscribed", () -> herald.stats().subscriptions.get() == 1);
    String payload = "x".repeat(4000);
    int seq = 0;
    while (herald.stats().connections.get() == 1) {
      assertTrue(seq < 20_000, "the stalled client was not dropped");
      herald
          .publish(EVENT, EventMessage.changed(++seq, new JsonObject().put("p", payload)))
          .await();
    }
    TestNodes.eventually(
        5000,
        "4001 counted",
        () -> value(scrape(port), "herald_disconnects_total", "code", "4001") == before + 1);
    String text = scrape(port);
    assertTrue(value(text, "herald_messages_dropped_total") > 0, "the frames it never got");
    assertEquals(0.0, value(text, "herald_outbound_queued_bytes"), "nothing waits any more");
    slow.close();
  }

  @Test
  void aCallsOutcomeAndTimeAreCountedUnderABoundedMethodName(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    int port = herald.httpPort();
    try (WsClient c = WsClient.connect(vertx, port)) {
      assertEquals("pong", c.call("core.ping", new JsonArray()).getString("result"));
      assertTrue(c.call("no.such.method-1", new JsonArray()).containsKey("error"));
      assertTrue(c.call("no.such.method-2", new JsonArray()).containsKey("error"));
      String text = scrape(port);
      assertEquals(
          1.0,
          value(
              text,
              "herald_method_call_duration_seconds_count",
              "method",
              "core.ping",
              "outcome",
              "success"),
          text);
      assertEquals(
          2.0,
          value(
              text,
              "herald_method_call_duration_seconds_count",
              "method",
              "other",
              "outcome",
              "not_found"));
      assertFalse(text.contains("no.such.method"), "an unknown name is no label value");
      // the latency histogram: its last bucket holds every call
      assertEquals(
          1.0,
          value(
              text,
              "herald_method_call_duration_seconds_bucket",
              "method",
              "core.ping",
              "le",
              "+Inf"));
      assertTrue(value(text, "herald_method_call_duration_seconds_sum", "method", "core.ping") > 0);
      // the jobs gauge has a sample per state, the cluster one this node
      assertEquals(0.0, value(text, "herald_jobs", "state", "RUNNING"));
      assertEquals(1.0, value(text, "herald_cluster_members"));
      // the JVM's metrics are served beside Herald's
      assertTrue(value(text, "jvm_memory_used_bytes") > 0, "jvm_memory_used_bytes");
    }
  }

  @Test
  void loginsAreCountedByMechanismAndOutcome(Vertx vertx) {
    Node herald = TestNodes.secured(vertx, new JsonObject());
    int port = herald.httpPort();
    String before = scrape(port);
    double failures =
        value(before, "herald_logins_total", "mechanism", "PASSWORD_PLAIN", "outcome", "failure");
    assertEquals(0.0, failures);
    try (WsClient c = WsClient.connect(vertx, port)) {
      assertEquals(
          false,
          c.call("auth.login", new JsonArray().add("admin").add("wrong")).getValue("result"));
      assertEquals(
          true,
          c.call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD))
              .getValue("result"));
    }
    String text = scrape(port);
    assertEquals(
        1.0,
        value(text, "herald_logins_total", "mechanism", "PASSWORD_PLAIN", "outcome", "failure"));
    assertEquals(
        1.0,
        value(text, "herald_logins_total", "mechanism", "PASSWORD_PLAIN", "outcome", "success"));
    assertEquals(
        2.0,
        value(
            text,
            "herald_method_call_duration_seconds_count",
            "method",
            "auth.login",
            "outcome",
            "success"),
        "a refused login is still a call answered (false)");
  }

  @Test
  void theTokenGuardsMetricsAndDisabledMetricsAreNotServed(Vertx vertx) {
    Node guarded = TestNodes.standalone(vertx, new JsonObject().put("metrics.token", "s3cret"));
    int port = guarded.httpPort();
    assertEquals(401, Prometheus.get(port, "/metrics", null).statusCode());
    assertEquals(401, Prometheus.get(port, "/metrics", "Bearer wrong").statusCode());
    assertEquals(401, Prometheus.get(port, "/metrics", "Basic czNjcmV0").statusCode());
    var ok = Prometheus.get(port, "/metrics", "Bearer s3cret");
    assertEquals(200, ok.statusCode());
    assertTrue(ok.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    assertFalse(Double.isNaN(value(ok.body(), "herald_connections", "endpoint", "/websocket")));
    // the probes need no token
    assertEquals(200, Prometheus.get(port, "/health", null).statusCode());

    Node off = TestNodes.standalone(vertx, new JsonObject().put("metrics.enabled", false));
    assertEquals(404, Prometheus.get(off.httpPort(), "/metrics", null).statusCode());
  }
}

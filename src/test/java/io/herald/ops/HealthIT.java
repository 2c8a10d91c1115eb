package io.herald.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.MethodDescriptor;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.Messages;
import io.herald.support.NodeProcess;
import io.herald.support.Prometheus;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /health} and {@code GET /ready} of real nodes: ready once started, not before (a
 * clustered node whose start is held back), and not from the moment it starts draining.
 */
@ExtendWith(VertxExtension.class)
class HealthIT {

  /**
   * A user verticle whose start waits for {@link #GATE}: it holds its node's start back, after the
   * node has joined and its HTTP server listens.
   */
  public static final class Gated extends VerticleBase {
    static volatile CompletableFuture<Void> GATE = new CompletableFuture<>();

    @Override
    public Future<?> start() {
      return Future.fromCompletionStage(GATE);
    }
  }

  private static JsonObject check(JsonObject body, String id) {
    for (Object c : body.getJsonArray("checks")) {
      JsonObject check = (JsonObject) c;
      if (id.equals(check.getString("id"))) {
        return check;
      }
    }
    throw new AssertionError("no check " + id + " in " + body);
  }

  @Test
  void aStartedNodeIsAliveAndReadyWithEveryCheckUp(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    HttpResponse<String> health = Prometheus.get(herald.httpPort(), "/health", null);
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", new JsonObject(health.body()).getString("status"));
    HttpResponse<String> ready = Prometheus.get(herald.httpPort(), "/ready", null);
    assertEquals(200, ready.statusCode(), ready.body());
    JsonObject body = new JsonObject(ready.body());
    assertEquals("UP", body.getString("status"));
    for (String id : new String[] {"started", "http", "draining", "cluster", "sources"}) {
      assertEquals("UP", check(body, id).getString("status"), id + " in " + body);
    }
    // /api/status is as it was
    assertTrue(herald.stats().toJson().containsKey("connections"));
    assertEquals(
        herald.nodeId(),
        new JsonObject(Prometheus.get(herald.httpPort(), "/api/status", null).body())
            .getString("node"));
  }

  @Test
  void aDrainingNodeIsUnreadyAtOnceYetAlive(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("shutdown.grace-ms", 20_000));
    Promise<Object> hanging = Promise.promise();
    herald
        .registerMethod(
            new MethodDescriptor(
                "test.hang", "never answers until told", null, call -> hanging.future()))
        .await();
    int port = herald.httpPort();
    try (WsClient client = WsClient.connect(vertx, port)) {
      client.send(Messages.method("h", "test.hang", new JsonArray()));
      TestNodes.eventually(
          5000, "the call in flight", () -> herald.stats().callsInFlight.get() == 1);
      assertEquals(200, Prometheus.get(port, "/ready", null).statusCode());

      Future<Void> closing = herald.close(); // waits for the call in flight: the node drains
      HttpResponse<String> ready = Prometheus.get(port, "/ready", null);
      assertEquals(503, ready.statusCode(), ready.body());
      JsonObject body = new JsonObject(ready.body());
      assertEquals("DOWN", body.getString("status"));
      assertEquals("DOWN", check(body, "draining").getString("status"));
      assertEquals(200, Prometheus.get(port, "/health", null).statusCode(), "still alive");
      assertFalse(closing.isComplete(), "still draining");

      hanging.complete("done");
      TestNodes.await(closing);
    }
  }

  @Test
  void aClusteredNodeIsNotReadyBeforeItsStartIsDone() throws Exception {
    Gated.GATE = new CompletableFuture<>();
    int port = NodeProcess.freePort();
    try (ClusterNodes cluster = new ClusterNodes()) {
      CompletableFuture<Node> starting =
          CompletableFuture.supplyAsync(
              () ->
                  cluster.start(
                      new JsonObject()
                          .put("http.port", port)
                          .put("verticles", Gated.class.getName())));
      try {
        // The HTTP server listens before the user verticles are deployed: it must say not ready.
        HttpResponse<String>[] ready = new HttpResponse[1];
        TestNodes.eventually(
            30_000,
            "the starting node answers /ready",
            () -> {
              try {
                ready[0] = Prometheus.get(port, "/ready", null);
                return true;
              } catch (RuntimeException notListening) {
                return false;
              }
            });
        assertEquals(503, ready[0].statusCode(), ready[0].body());
        JsonObject body = new JsonObject(ready[0].body());
        assertEquals("DOWN", check(body, "started").getString("status"), body.encode());
        assertEquals("DOWN", check(body, "cluster").getString("status"), body.encode());
        assertEquals(200, Prometheus.get(port, "/health", null).statusCode(), "alive meanwhile");
        assertFalse(starting.isDone());
      } finally {
        Gated.GATE.complete(null);
      }
      Node node = starting.get(30, TimeUnit.SECONDS);
      HttpResponse<String> ready = Prometheus.get(node.httpPort(), "/ready", null);
      assertEquals(200, ready.statusCode(), ready.body());
      JsonObject cluster2 = check(new JsonObject(ready.body()), "cluster");
      assertEquals("UP", cluster2.getString("status"));
      assertEquals(1, cluster2.getJsonObject("data").getInteger("members"));
    }
  }
}

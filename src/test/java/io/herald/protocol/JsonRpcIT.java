package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.node.Node;
import io.herald.support.Messages;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JSON-RPC 2.0 at /api/current over real websockets: responses, every error code, notifications,
 * batches, subscriptions (collection_update, notify_unsubscribed, core.unsubscribe), job methods
 * with legacy_jobs both ways and message_ids, and one bus for both endpoints.
 */
@ExtendWith(VertxExtension.class)
class JsonRpcIT {

  private Node node;
  private Vertx vertx;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    node = TestNodes.standalone(vertx, new JsonObject().put("limits.max-concurrent-calls", 3));
    TestNodes.await(
        node.registerEvent(EventDescriptor.broadcast("rpc.ticks").description("ticks").build()));
    TestNodes.await(
        node.registerJobMethod(
            "rpc.double", "", null, job -> Future.succeededFuture(job.params().getInteger(0) * 2)));
    TestNodes.await(
        node.registerJobMethod(
            "rpc.fail", "", null, job -> Future.failedFuture("it failed as asked")));
    TestNodes.await(
        node.registerJobMethod(
            "rpc.block", "", null, job -> job.abortRequested().map(v -> "unblocked")));
  }

  @AfterEach
  void stop() {
    TestNodes.await(node.close());
  }

  private WsClient rpc() {
    return WsClient.connect(vertx, node.httpPort(), "/api/current");
  }

  private static JsonObject request(Object id, String method, JsonArray params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", method)
        .put("params", params);
  }

  private static Predicate<JsonObject> responseTo(Object id) {
    return m -> m.containsKey("id") && id.equals(m.getValue("id")) && !m.containsKey("method");
  }

  private static JsonObject call(WsClient c, Object id, String method, JsonArray params) {
    c.send(request(id, method, params));
    return c.next(responseTo(id));
  }

  /** Nothing queued or on its way: the response to a ping is the very next message. */
  private static void assertNoMoreMessages(WsClient c) {
    String id = "barrier-" + System.nanoTime();
    c.send(request(id, "core.ping", new JsonArray()));
    assertEquals(JsonRpc.response(id, "pong"), c.next(), "no other message before the pong");
  }

  private static int code(JsonObject response) {
    assertTrue(response.getValue("error") instanceof JsonObject, "an error: " + response.encode());
    return response.getJsonObject("error").getInteger("code");
  }

  @Test
  void responsesAndEveryErrorCode() {
    try (WsClient c = rpc()) {
      assertEquals(
          new JsonObject().put("jsonrpc", "2.0").put("result", "pong").put("id", 1),
          call(c, 1, "core.ping", new JsonArray()));
      c.sendText("{not json");
      JsonObject parse = c.next();
      assertEquals(-32700, code(parse), parse.encode());
      assertTrue(parse.containsKey("id") && parse.getValue("id") == null);
      c.send(new JsonObject().put("jsonrpc", "1.0").put("id", 2).put("method", "core.ping"));
      assertEquals(-32600, code(c.next(responseTo(2))));
      c.send(new JsonObject().put("jsonrpc", "2.0").put("id", 3).put("method", 7));
      assertEquals(-32600, code(c.next(responseTo(3))));
      JsonObject missing = call(c, 4, "core.nope", new JsonArray());
      assertEquals(-32601, code(missing));
      assertEquals("Method does not exist", missing.getJsonObject("error").getString("message"));
      JsonObject invalid = call(c, 5, "core.job_wait", new JsonArray().add("x"));
      assertEquals(-32602, code(invalid), invalid.encode());
      assertFalse(
          invalid.getJsonObject("error").getJsonObject("data").getJsonArray("extra").isEmpty());
      c.send(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("id", 6)
              .put("method", "core.ping")
              .put("params", new JsonObject()));
      assertEquals(-32602, code(c.next(responseTo(6))));
      JsonObject failed = call(c, 7, "core.job_wait", new JsonArray().add(999_999_999));
      assertEquals(-32001, code(failed));
      assertEquals(
          "ENOENT", failed.getJsonObject("error").getJsonObject("data").getString("errname"));
      // Three blocking jobs waited for at once fill the connection's calls: the fourth is -32000.
      assertEquals(
          new JsonObject()
              .put("legacy_jobs", false)
              .put("private_methods", false)
              .put("py_exceptions", false),
          call(
                  c,
                  8,
                  "core.set_options",
                  new JsonArray().add(new JsonObject().put("legacy_jobs", false)))
              .getJsonObject("result"));
      for (int i = 0; i < 3; i++) {
        c.send(request("b" + i, "rpc.block", new JsonArray()));
      }
      JsonObject tooMany = call(c, 9, "core.ping", new JsonArray());
      assertEquals(-32000, code(tooMany), tooMany.encode());
    }
  }

  @Test
  void notificationsGetNoResponseAndBatchesOneArray() {
    try (WsClient c = rpc()) {
      c.send(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("method", "core.ping")
              .put("params", new JsonArray()));
      c.sendText(
          new JsonArray()
              .add(request("a", "core.ping", new JsonArray()))
              .add(new JsonObject().put("jsonrpc", "2.0").put("method", "core.ping"))
              .add(42)
              .add(request("b", "core.nope", new JsonArray()))
              .encode());
      JsonObject first = c.next();
      JsonArray batch = first.getJsonArray("batch");
      assertEquals(3, batch.size(), "the notification's ping got no response: " + first.encode());
      assertEquals("pong", batch.getJsonObject(0).getString("result"));
      assertEquals(-32600, code(batch.getJsonObject(1)));
      assertNull(batch.getJsonObject(1).getValue("id"));
      assertEquals(-32601, code(batch.getJsonObject(2)));
      c.sendText("[]");
      JsonObject empty = c.next();
      assertEquals(-32600, code(empty), empty.encode());
      assertEquals("pong", call(c, "last", "core.ping", new JsonArray()).getString("result"));
      assertNoMoreMessages(c);
    }
  }

  @Test
  void subscriptionsAsTheOriginalSendsThem() throws Exception {
    try (WsClient c = rpc();
        WsClient legacy = WsClient.connect(vertx, node.httpPort())) {
      String id =
          call(c, 1, "core.subscribe", new JsonArray().add("rpc.ticks")).getString("result");
      assertFalse(id.isEmpty());
      legacy.subscribe("t", "rpc.ticks");
      TestNodes.await(
          node.publish("rpc.ticks", EventMessage.changed(1, new JsonObject().put("n", 1))));
      JsonObject update = c.next(m -> "collection_update".equals(m.getString("method")));
      assertEquals(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("method", "collection_update")
              .put(
                  "params",
                  new JsonObject()
                      .put("msg", "changed")
                      .put("collection", "rpc.ticks")
                      .put("id", 1)
                      .put("fields", new JsonObject().put("n", 1))),
          update);
      // The same publication reached the legacy endpoint, as a plain event.
      assertEquals("rpc.ticks", legacy.next(Messages::isEvent).getString("collection"));
      assertNull(call(c, 2, "core.unsubscribe", new JsonArray().add(id)).getValue("result"));
      TestNodes.await(node.publish("rpc.ticks", EventMessage.changed(2, new JsonObject())));
      legacy.next(Messages::isEvent);
      assertNoMoreMessages(c);
      // Refused: the call's error, no notification.
      JsonObject unknown = call(c, 3, "core.subscribe", new JsonArray().add("no.such"));
      assertEquals(-32001, code(unknown));
      assertEquals(
          "ENOENT", unknown.getJsonObject("error").getJsonObject("data").getString("errname"));
      // Ended by the server after it was live: notify_unsubscribed.
      java.nio.file.Path dir =
          java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "rpc");
      TestNodes.await(node.close());
      node =
          TestNodes.standalone(
              vertx, new JsonObject().put("files.roots", dir.toAbsolutePath().toString()));
      java.nio.file.Path file = dir.toAbsolutePath().resolve("f.log");
      java.nio.file.Files.writeString(file, "x\n");
      try (WsClient t = rpc()) {
        call(t, 1, "core.subscribe", new JsonArray().add("filesystem.file_tail_follow:" + file));
        java.nio.file.Files.delete(file);
        JsonObject ended = t.next(m -> "notify_unsubscribed".equals(m.getString("method")));
        assertEquals(
            "filesystem.file_tail_follow:" + file,
            ended.getJsonObject("params").getString("collection"));
        assertEquals(
            "ENOENT", ended.getJsonObject("params").getJsonObject("error").getString("errname"));
      }
    }
  }

  @Test
  void jobMethodsAnswerTheIdOrWithLegacyJobsOffTheResult() {
    try (WsClient c = rpc()) {
      // The default (legacy_jobs: true): the job id at once.
      Object jobId = call(c, "j1", "rpc.double", new JsonArray().add(21)).getValue("result");
      assertTrue(jobId instanceof Number, String.valueOf(jobId));
      call(c, 1, "core.subscribe", new JsonArray().add("core.get_jobs"));
      call(
          c,
          2,
          "core.set_options",
          new JsonArray().add(new JsonObject().put("legacy_jobs", false)));
      c.send(request("call-42", "rpc.double", new JsonArray().add(21)));
      // The job's updates name the call, so that a client can tie them together ...
      JsonObject added =
          c.next(
              m ->
                  "collection_update".equals(m.getString("method"))
                      && m.getJsonObject("params")
                          .getJsonObject("fields", new JsonObject())
                          .getJsonArray("message_ids", new JsonArray())
                          .contains("call-42"));
      assertEquals("core.get_jobs", added.getJsonObject("params").getString("collection"));
      // ... and the call itself is answered with the job's result when it ends.
      assertEquals(42, c.next(responseTo("call-42")).getInteger("result"));
      JsonObject failed = call(c, "call-43", "rpc.fail", new JsonArray());
      assertEquals(-32001, code(failed));
      assertTrue(
          failed
              .getJsonObject("error")
              .getJsonObject("data")
              .getString("reason")
              .contains("it failed as asked"),
          failed.encode());
    }
  }

  @Test
  void theSameLoginAndRolesAsOnTheLegacyEndpoint() {
    // A Vert.x of its own: standalone nodes of one Vert.x share its local maps, accounts included.
    Vertx own = Vertx.vertx();
    Node secured = TestNodes.secured(own, new JsonObject());
    try (WsClient c = WsClient.connect(vertx, secured.httpPort(), "/api/current")) {
      JsonObject refused = call(c, 1, "core.get_jobs", new JsonArray());
      assertEquals(-32001, code(refused));
      assertEquals(
          "ENOTAUTHENTICATED",
          refused.getJsonObject("error").getJsonObject("data").getString("errname"));
      JsonObject sub = call(c, 2, "core.subscribe", new JsonArray().add("core.get_jobs"));
      assertEquals(
          "ENOTAUTHENTICATED",
          sub.getJsonObject("error").getJsonObject("data").getString("errname"));
      JsonObject login =
          call(
              c,
              3,
              "auth.login_ex",
              new JsonArray()
                  .add(
                      new JsonObject()
                          .put("mechanism", "PASSWORD_PLAIN")
                          .put("username", "admin")
                          .put("password", TestNodes.ADMIN_PASSWORD)));
      assertEquals("SUCCESS", login.getJsonObject("result").getString("response_type"));
      call(c, 4, "core.subscribe", new JsonArray().add("core.get_jobs")).getString("result");
      assertTrue(call(c, 5, "core.get_jobs", new JsonArray()).containsKey("result"));
      // Logout ends the subscription at once: notify_unsubscribed with the reason.
      c.send(request(6, "auth.logout", new JsonArray()));
      JsonObject ended = c.next(m -> "notify_unsubscribed".equals(m.getString("method")));
      assertEquals("core.get_jobs", ended.getJsonObject("params").getString("collection"));
      assertEquals(
          "ENOTAUTHENTICATED",
          ended.getJsonObject("params").getJsonObject("error").getString("errname"));
      assertEquals(true, c.next(responseTo(6)).getValue("result"));
    } finally {
      TestNodes.await(secured.close());
      TestNodes.await(own.close());
    }
  }
}

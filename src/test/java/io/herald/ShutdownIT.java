package io.herald;

import static io.herald.support.Messages.method;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stopping node refuses new connections, finishes the calls in flight, then closes its websockets
 * with 1012.
 */
@ExtendWith(VertxExtension.class)
class ShutdownIT {

  @Test
  void callsInFlightFinishBeforeTheSocketsClose(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("shutdown.grace-ms", 10_000));
    Promise<Object> slow = Promise.promise();
    TestNodes.await(
        herald.registerMethod(new MethodDescriptor("test.slow", "", null, call -> slow.future())));
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.send(method(1, "test.slow", new JsonArray()));
      TestNodes.eventually(5000, "call in flight", () -> herald.stats().callsInFlight.get() == 1);

      Future<Void> closing = herald.close();
      Throwable refused =
          TestNodes.await(
              vertx
                  .createWebSocketClient(new WebSocketClientOptions())
                  .connect(
                      new WebSocketConnectOptions()
                          .setPort(herald.httpPort())
                          .setHost("127.0.0.1")
                          .setURI("/websocket"))
                  .transform(ar -> Future.succeededFuture(ar.cause())));
      assertTrue(refused != null && refused.getMessage().contains("503"), String.valueOf(refused));
      assertTrue(!closing.isComplete(), "the node waits for the call in flight");

      slow.complete("done");
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 1).put("result", "done"), c.next());
      assertEquals(1012, c.awaitClose());
      TestNodes.await(closing);
    }
  }

  @Test
  void theDrainClosesIdleSocketsAndKeepsOneWithACallInFlightUntilItIsAnswered(Vertx vertx)
      throws InterruptedException {
    Node herald =
        TestNodes.standalone(
            vertx, new JsonObject().put("shutdown.grace-ms", 10_000).put("shutdown.drain-ms", 500));
    Promise<Object> slow = Promise.promise();
    TestNodes.await(
        herald.registerMethod(new MethodDescriptor("test.slow", "", null, call -> slow.future())));
    try (WsClient busy = WsClient.connect(vertx, herald.httpPort());
        WsClient idle = WsClient.connect(vertx, herald.httpPort())) {
      busy.send(method(1, "test.slow", new JsonArray()));
      TestNodes.eventually(5000, "call in flight", () -> herald.stats().callsInFlight.get() == 1);

      Future<Void> closing = herald.close();
      assertEquals(1012, idle.awaitClose(), "the idle socket is closed within the drain");
      Thread.sleep(1000); // twice the drain period: the busy socket is still open
      assertTrue(!closing.isComplete(), "the node waits for the call in flight");
      assertEquals(1, herald.stats().connections.get(), "the socket with a call in flight is open");

      slow.complete("done");
      assertEquals(
          new JsonObject().put("msg", "result").put("id", 1).put("result", "done"), busy.next());
      assertEquals(1012, busy.awaitClose());
      TestNodes.await(closing);
    }
  }
}

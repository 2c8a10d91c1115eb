package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Origin check on real upgrade requests. */
@ExtendWith(VertxExtension.class)
class OriginIT {

  /** The status of an upgrade to /websocket with {@code origin} (101 when it opened). */
  private static int upgrade(Vertx vertx, int port, String origin) {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/websocket");
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    Future<Integer> status =
        client
            .connect(options)
            .compose(WebSocket::close)
            .map(101)
            .recover(
                e ->
                    e instanceof UpgradeRejectedException rejected
                        ? Future.succeededFuture(rejected.getStatus())
                        : Future.failedFuture(e));
    try {
      return TestNodes.await(status);
    } finally {
      client.close();
    }
  }

  /** Regression: an upgrade with {@code Origin: https://attacker.example} got 101. */
  @Test
  void aPageOfAnotherOriginIsRefusedWith403(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    int port = herald.httpPort();
    assertEquals(403, upgrade(vertx, port, "https://attacker.example"));
    assertEquals(101, upgrade(vertx, port, "http://127.0.0.1:" + port), "the node's own origin");
    assertEquals(101, upgrade(vertx, port, null), "not a browser");
  }

  @Test
  void listedOriginsAreAllowed(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx, new JsonObject().put("http.allowed-origins", "https://dash.example"));
    assertEquals(101, upgrade(vertx, herald.httpPort(), "https://dash.example"));
    assertEquals(403, upgrade(vertx, herald.httpPort(), "https://attacker.example"));
  }
}

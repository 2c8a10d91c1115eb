package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.RawWebSocket;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The limits a hostile or broken client meets (docs/PROTOCOL.md, "Limits and settings"), each
 * against a real node over real sockets.
 */
@ExtendWith(VertxExtension.class)
class LimitsIT {

  @Test
  void oneUpgradeMoreThanTheAddressMayHoldIsRefusedWith429(Vertx vertx) {
    Node herald =
        TestNodes.standalone(vertx, new JsonObject().put("limits.max-connections-per-address", 3));
    int port = herald.httpPort();
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(WsClient.connect(vertx, port));
      }
      UncheckedIOException refused =
          assertThrows(UncheckedIOException.class, () -> RawWebSocket.connect(port));
      assertTrue(
          refused.getMessage().contains("429"),
          "the 4th upgrade gets 429: " + refused.getMessage());
      assertEquals(1, Http.status(port).getInteger("connections_refused_per_address"));
      // the three open ones are unaffected
      for (WsClient c : open) {
        assertEquals(
            "pong", c.call("core.ping", new io.vertx.core.json.JsonArray()).getString("result"));
      }
      // one leaves: its place is free again
      open.remove(0).close();
      TestNodes.eventually(
          5000, "the closed connection released", () -> herald.stats().connections.get() == 2);
      try (RawWebSocket again = RawWebSocket.connect(port)) {
        again.send(io.herald.support.Messages.ping("p"));
        assertEquals("pong", again.nextMessage().getString("msg"));
      }
    } finally {
      open.forEach(WsClient::close);
    }
    TestNodes.eventually(
        5000, "every address released", () -> herald.stats().byAddress.addresses() == 0);
  }
}

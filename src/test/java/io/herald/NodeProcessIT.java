package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.NodeProcess;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node as users run it: its own process, the default one-node cluster on loopback, stopped with
 * SIGTERM.
 */
@ExtendWith(VertxExtension.class)
class NodeProcessIT {

  @Test
  void nodeServesWebsocketAndClosesItWith1012OnSigterm(Vertx vertx, @TempDir Path dir)
      throws Exception {
    String cluster = "herald-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (NodeProcess node =
        NodeProcess.start(NodeProcess.freePort(), Map.of("HERALD_CLUSTER_NAME", cluster), dir)) {
      WsClient client = WsClient.connect(vertx, node.httpPort);
      assertEquals("pong", client.call(1, "core.ping", new JsonArray()).getString("result"));
      client.subscribe("all", "*");

      assertEquals(0, node.terminate(), "exit code after SIGTERM");
      assertEquals(1012, client.awaitClose());
      String output = node.output();
      assertTrue(output.contains("ready in"), output);
      assertTrue(output.contains("stopped"), output);
    }
  }
}

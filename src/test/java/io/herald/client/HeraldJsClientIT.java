package io.herald.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.NodeProcess;
import io.herald.support.NodeScripts;
import io.herald.support.SampleFile;
import io.herald.support.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * herald.js, the JavaScript client every node serves at {@code GET /client/herald.js}, driven by
 * Node.js test scripts (src/test/node/herald-client-*.test.mjs, node's built-in {@code node:test})
 * against real nodes. Each script fetches the client from a node and imports what it was served.
 *
 * <ul>
 *   <li>{@link #basics}: one secured node: logins (password, API key, token, a wrong password, the
 *       4003 of a client without credentials), calls and their CallErrors, a subscription, {@code
 *       filesystem.checksum} as a job with progress; once with Node's global WebSocket (when this
 *       Node.js has one) and once with the {@code ws} package's, injected.
 *   <li>{@link #reconnectsRecoversAndNoticesASilentNode}: three node processes publishing ticks (an
 *       event with a history). A client on node A with the list [A, B] loses A to SIGKILL while
 *       ticks flow, carries on on B and its callbacks get every tick with no gap and no duplicate;
 *       then a client on B with [B, C] notices B stopped with SIGSTOP (its heartbeat) and moves on
 *       to C.
 * </ul>
 */
@ExtendWith(VertxExtension.class)
class HeraldJsClientIT {

  private static List<String> globalWebSocket;

  @BeforeAll
  static void installPackages() throws Exception {
    NodeScripts.install();
    globalWebSocket = NodeScripts.globalWebSocketOptions();
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void basics(Vertx vertx) throws Exception {
    Path data = TestNodes.freshDir().toAbsolutePath();
    Path logs = Files.createDirectories(data.resolve("logs"));
    SampleFile sample = SampleFile.write(logs, "sample.bin", 2 * 1024 * 1024, 12);
    Path file = sample.path();
    String expected = sample.sha256();

    Node node =
        TestNodes.secured(
            vertx,
            new JsonObject().put("data.dir", data.toString()).put("auth.login-timeout-ms", 1500));
    try {
      servesTheClient(node.httpPort());
      List<String> impls = globalWebSocket == null ? List.of("ws") : List.of("global", "ws");
      for (String impl : impls) {
        Path summaryFile = data.resolve("summary-" + impl + ".json");
        NodeScripts.Result result =
            NodeScripts.run(
                nodeTest(impl, "herald-client-basic.test.mjs"),
                Map.of(
                    "HERALD_WS",
                    impl,
                    "HERALD_CLIENT_FROM",
                    "http://127.0.0.1:" + node.httpPort(),
                    "HERALD_URL",
                    "ws://127.0.0.1:" + node.httpPort() + "/websocket",
                    "HERALD_PASSWORD",
                    TestNodes.ADMIN_PASSWORD,
                    "HERALD_FILE",
                    file.toString(),
                    "HERALD_SUMMARY",
                    summaryFile.toString()),
                90);
        System.out.printf("[HeraldJsClientIT] basics with %s:%n%s%n", impl, result.stdout());
        assertEquals(0, result.exit(), impl + ": the node test failed:\n" + result);
        JsonObject summary = new JsonObject(Files.readString(summaryFile));
        JsonObject checksum = summary.getJsonObject("checksum");
        assertNotNull(checksum, summary.encode());
        assertEquals(expected, checksum.getString("digest"), "the digest the job gave");
        assertTrue(checksum.getInteger("events") >= 2, summary.encode());
        assertEquals("EACCES", summary.getJsonObject("failure").getString("errname"));
      }
    } finally {
      TestNodes.await(node.close());
    }
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void reconnectsRecoversAndNoticesASilentNode(@TempDir Path dir) throws Exception {
    // Security as shipped: the client logs in (again after each reconnect).
    List<NodeProcess> nodes =
        NodeProcess.startTickCluster(
            dir, 3, Map.of("HERALD_AUTH_ANONYMOUS_ROLES", "", "HERALD_ADMIN_PASSWORD", PASSWORD));
    try {
      Map<String, String> env = new HashMap<>();
      String impl = globalWebSocket == null ? "ws" : "global";
      env.put("HERALD_WS", impl);
      env.put("HERALD_CLIENT_FROM", "http://127.0.0.1:" + nodes.get(0).httpPort);
      env.put("HERALD_PASSWORD", PASSWORD);
      String[] names = {"A", "B", "C"};
      for (int i = 0; i < 3; i++) {
        NodeProcess n = nodes.get(i);
        env.put("HERALD_URL_" + names[i], "ws://127.0.0.1:" + n.httpPort + "/websocket");
        env.put("HERALD_PID_" + names[i], Long.toString(n.pid()));
        env.put("HERALD_NODE_" + names[i], n.nodeId());
      }
      Path summaryFile = dir.resolve("summary.json");
      env.put("HERALD_SUMMARY", summaryFile.toString());
      NodeScripts.Result result =
          NodeScripts.run(nodeTest(impl, "herald-client-cluster.test.mjs"), env, 90);
      System.out.printf("[HeraldJsClientIT] cluster with %s:%n%s%n", impl, result.stdout());
      assertEquals(0, result.exit(), "the node test failed:\n" + result + logs(nodes));
      JsonObject summary = new JsonObject(Files.readString(summaryFile));
      System.out.printf("[HeraldJsClientIT] cluster summary: %s%n", summary.encodePrettily());
      JsonObject ticks = summary.getJsonObject("ticks");
      assertNotNull(ticks, summary.encode());
      // The survivors' ticks, as the client's callbacks got them, across the kill.
      for (int i = 1; i < 3; i++) {
        JsonObject t = ticks.getJsonObject(nodes.get(i).nodeId());
        assertNotNull(t, summary.encode());
        assertEquals(0, t.getInteger("gaps"), summary.encode());
        assertEquals(0, t.getInteger("duplicates"), summary.encode());
        assertTrue(t.getInteger("count") > 40, summary.encode());
      }
      assertTrue(summary.getJsonObject("silent").getLong("noticed_ms") < 5000, summary.encode());
    } finally {
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  private static final String PASSWORD = "cluster-admin-secret";

  /** {@code node [options] --test <script>}, with the options the implementation needs. */
  private static List<String> nodeTest(String impl, String script) {
    List<String> command = new ArrayList<>(List.of("node"));
    if (impl.equals("global")) {
      command.addAll(globalWebSocket);
    }
    command.addAll(List.of("--test", "--test-reporter=spec", script));
    return command;
  }

  /** The node serves the resource as is, as JavaScript, with caching headers. */
  private static void servesTheClient(int port) throws Exception {
    Http.Page page = Http.get(port, "/client/herald.js");
    assertEquals(200, page.status());
    assertEquals("text/javascript; charset=utf-8", page.contentType());
    try (InputStream in =
        HeraldJsClientIT.class.getClassLoader().getResourceAsStream("client/herald.js")) {
      assertNotNull(in, "client/herald.js on the class path");
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), page.body());
    }
    assertTrue(page.body().contains("export class HeraldClient"), "the module's export");
  }

  private static String logs(List<NodeProcess> nodes) {
    StringBuilder out = new StringBuilder();
    for (NodeProcess n : nodes) {
      try {
        String log = n.output();
        out.append("\n--- node ")
            .append(n.httpPort)
            .append(" (last 3000 chars)\n")
            .append(log.substring(Math.max(0, log.length() - 3000)));
      } catch (Exception e) {
        out.append("\n--- node ").append(n.httpPort).append(": ").append(e);
      }
    }
    return out.toString();
  }
}

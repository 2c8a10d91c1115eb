package io.herald.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.NodeProcess;
import io.herald.support.NodeScripts;
import io.herald.support.SampleFile;
import io.herald.support.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console every node serves at {@code GET /}, in a real headless browser: Debian's Chromium
 * driven by playwright-core from src/test/node/console-browser.mjs. Its screenshots are kept under
 * target/console-screenshots/.
 */
@ExtendWith(VertxExtension.class)
class ConsoleIT {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots").toAbsolutePath();

  @BeforeAll
  static void installPackages() throws Exception {
    assertTrue(
        Files.isExecutable(CHROMIUM),
        "this test needs Chromium at " + CHROMIUM + " (apt-get install chromium; .ci/run does)");
    NodeScripts.install();
  }

  /**
   * A secured node: the page logs in (after a refused password), lists the node, draws realtime
   * samples as they come, runs a checksum job to 100 % and shows its digest, shows the refusal of a
   * path outside the roots, filters its event log and lists the catalogue.
   */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void onASecuredNode(Vertx vertx) throws Exception {
    Path data = TestNodes.freshDir().toAbsolutePath();
    Path logs = Files.createDirectories(data.resolve("logs"));
    SampleFile sample = SampleFile.write(logs, "sample.bin", 8 * 1024 * 1024, 7);
    Path file = sample.path();
    String expected = sample.sha256();
    Node node =
        TestNodes.secured(
            vertx, new JsonObject().put("data.dir", data.toString()).put("alerts.enabled", true));
    try {
      int port = node.httpPort();
      Http.Page page = Http.get(port, "/");
      assertEquals(200, page.status());
      assertTrue(page.contentType().startsWith("text/html"), page.contentType());
      assertTrue(page.body().contains("/console/console.js"), page.body());
      assertEquals(200, Http.get(port, "/console/charts.js").status());
      assertEquals(404, Http.get(port, "/console/nothing.js").status());

      Path summaryFile = data.resolve("console-summary.json");
      NodeScripts.Result result =
          NodeScripts.run(
              List.of("node", "console-browser.mjs"),
              Map.of(
                  "HERALD_CONSOLE_URL",
                  "http://127.0.0.1:" + port + "/",
                  "HERALD_PASSWORD",
                  TestNodes.ADMIN_PASSWORD,
                  "HERALD_FILE",
                  file.toString(),
                  "HERALD_LOG_FILTER",
                  "sample.bin",
                  "HERALD_SCREENSHOTS",
                  SCREENSHOTS.toString(),
                  "HERALD_SUMMARY",
                  summaryFile.toString()),
              120);
      System.out.printf("[ConsoleIT] secured node:%n%s%n", result.stdout());
      assertEquals(0, result.exit(), "the browser script failed:\n" + result);
      JsonObject summary = new JsonObject(Files.readString(summaryFile));

      assertEquals(new JsonArray(), summary.getJsonArray("pageErrors"), summary.encode());
      assertEquals(new JsonArray(), summary.getJsonArray("consoleErrors"), summary.encode());
      assertTrue(summary.getString("csp").contains("script-src 'self'"), summary.encode());
      assertTrue(summary.getString("loginError").contains("Login failed"), summary.encode());
      assertEquals(new JsonArray().add(node.nodeId()), summary.getJsonArray("nodes"));
      assertTrue(
          summary.getInteger("samplesLater") >= summary.getInteger("samplesFirst") + 2,
          summary.encode());
      assertTrue(summary.getInteger("networkSamples") >= 1, summary.encode());
      assertTrue(summary.getJsonArray("catalogue").contains("core.get_jobs"), summary.encode());
      // The alert engine runs (this host may have alerts of its own): the list is no error.
      assertFalse(summary.getString("noAlertsText").contains("ENOENT"), summary.encode());

      assertEquals(expected, summary.getString("digest"), "the digest the page shows");
      assertEquals(expected, summary.getString("jobResult"), "the job's row");
      assertEquals(100.0, summary.getDouble("jobProgress"), summary.encode());
      assertEquals("100 %", summary.getString("jobPercentText"), summary.encode());
      assertTrue(summary.getString("checksumError").contains("EACCES"), summary.encode());
      assertTrue(summary.getString("alert").startsWith("WARNING"), summary.encode());
      assertTrue(summary.getBoolean("alertDismissed"), summary.encode());

      JsonArray visible = summary.getJsonArray("logVisible");
      assertFalse(visible.isEmpty(), summary.encode());
      visible.forEach(line -> assertTrue(((String) line).contains("sample.bin"), summary.encode()));
      assertTrue(summary.getInteger("logHidden") > 0, "the filter hid the other events");

      for (String name : List.of("login", "console")) {
        byte[] png = Files.readAllBytes(SCREENSHOTS.resolve(name + ".png"));
        assertTrue(png.length > 10_000, name + ".png: " + png.length + " bytes");
        assertTrue(
            Arrays.equals(
                Arrays.copyOf(png, 8), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}),
            name + ".png is a PNG");
      }
    } finally {
      TestNodes.await(node.close());
    }
  }

  /**
   * Two node processes: the page, on node A with both listed, loses A to SIGKILL, says it is
   * reconnecting, then that it reconnected to B, and its charts carry on.
   */
  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void reconnectsToAnotherNode(@TempDir Path dir) throws Exception {
    String cluster = "herald-console-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    int[] members = NodeProcess.freePorts(2);
    String memberList = "127.0.0.1:" + members[0] + ",127.0.0.1:" + members[1];
    int portA = NodeProcess.freePort();
    int portB = NodeProcess.freePort();
    List<NodeProcess> nodes = new ArrayList<>();
    try {
      nodes.add(
          NodeProcess.start(portA, env(cluster, memberList, members[0], portB), dir.resolve("a")));
      nodes.add(
          NodeProcess.start(portB, env(cluster, memberList, members[1], portA), dir.resolve("b")));
      Path summaryFile = dir.resolve("summary.json");
      Path signal = dir.resolve("kill-a");
      Map<String, String> env = new HashMap<>();
      env.put("HERALD_CONSOLE_URL", "http://127.0.0.1:" + portA + "/");
      env.put("HERALD_PASSWORD", CLUSTER_PASSWORD);
      env.put("HERALD_EXPECT_NODES", "2");
      env.put("HERALD_RECONNECT_SIGNAL", signal.toString());
      env.put("HERALD_SCREENSHOTS", SCREENSHOTS.toString());
      env.put("HERALD_SUMMARY", summaryFile.toString());
      CompletableFuture<NodeScripts.Result> run =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return NodeScripts.run(List.of("node", "console-browser.mjs"), env, 180);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // The script signals once the page lists both nodes: then node A dies.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (!Files.exists(signal) && !run.isDone() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      if (Files.exists(signal)) {
        nodes.get(0).kill();
      }
      NodeScripts.Result result = run.get(200, TimeUnit.SECONDS);
      System.out.printf("[ConsoleIT] reconnect:%n%s%n", result.stdout());
      assertEquals(0, result.exit(), "the browser script failed:\n" + result);
      JsonObject summary = new JsonObject(Files.readString(summaryFile));
      assertEquals(2, summary.getJsonArray("nodes").size(), summary.encode());
      assertTrue(summary.getString("reconnecting").contains("reconnecting"), summary.encode());
      assertEquals("127.0.0.1:" + portB, summary.getString("reconnectedNode"), summary.encode());
      assertTrue(summary.getString("reconnected").startsWith("Reconnected to"), summary.encode());
      assertEquals(new JsonArray(), summary.getJsonArray("pageErrors"), summary.encode());
      assertTrue(Files.size(SCREENSHOTS.resolve("reconnected.png")) > 10_000);
    } finally {
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  private static final String CLUSTER_PASSWORD = "console-admin-secret";

  /** A node of the cluster that accepts the pages of the other node (its origin). */
  private static Map<String, String> env(
      String cluster, String members, int memberPort, int otherHttpPort) {
    return Map.of(
        "HERALD_CLUSTER_NAME",
        cluster,
        "HERALD_CLUSTER_MEMBERS",
        members,
        "HERALD_CLUSTER_PORT",
        Integer.toString(memberPort),
        "HERALD_ALERTS_ENABLED",
        "false",
        "HERALD_AUTH_ANONYMOUS_ROLES",
        "",
        "HERALD_HTTP_ALLOWED_ORIGINS",
        "http://127.0.0.1:" + otherHttpPort,
        "HERALD_ADMIN_PASSWORD",
        CLUSTER_PASSWORD);
  }
}

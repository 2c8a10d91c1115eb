package io.herald.sources.reporting;

import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.unsub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code reporting.realtime} against this machine's real /proc and /sys. */
@ExtendWith(VertxExtension.class)
class RealtimeIT {

  private Vertx vertx;
  private Node herald;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
  }

  private static long memTotalBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new AssertionError("no MemTotal");
  }

  @Test
  void reportsThisHostsMemoryCpuAndInterfaces() throws Exception {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("rt", "reporting.realtime:{\"interval\": 1}");
      JsonObject added = c.next();
      assertEquals("added", added.getString("msg"));
      assertEquals("reporting.realtime:{\"interval\": 1}", added.getString("collection"));
      assertFalse(added.containsKey("id"));
      JsonObject fields = added.getJsonObject("fields");

      JsonObject memory = fields.getJsonObject("virtual_memory");
      assertEquals(memTotalBytes(), memory.getLong("total"));
      for (String key :
          List.of(
              "total",
              "available",
              "percent",
              "used",
              "free",
              "active",
              "inactive",
              "buffers",
              "cached",
              "shared",
              "wired")) {
        assertTrue(memory.containsKey(key), key);
      }
      assertTrue(
          memory.getLong("available") > 0
              && memory.getLong("available") <= memory.getLong("total"));

      JsonObject cpu = fields.getJsonObject("cpu");
      assertNotNull(cpu.getJsonObject("temperature"));
      double usage = cpu.getJsonObject("average").getDouble("usage");
      assertTrue(usage >= 0 && usage <= 100, "average usage " + usage);
      assertNotNull(cpu.getJsonObject("0"), "per-core usage for cpu0");

      JsonObject lo = fields.getJsonObject("interfaces").getJsonObject("lo");
      assertNotNull(lo, "lo is among the interfaces");
      long rx =
          Long.parseLong(Files.readString(Path.of("/sys/class/net/lo/statistics/rx_bytes")).trim());
      assertTrue(lo.getLong("received_bytes") > 0 && lo.getLong("received_bytes") <= rx);
      for (String key :
          List.of(
              "received_bytes_last",
              "sent_bytes",
              "sent_bytes_last",
              "received_bytes_rate",
              "sent_bytes_rate",
              "link_state")) {
        assertTrue(lo.containsKey(key), key);
      }
      assertTrue(fields.getJsonObject("disks").containsKey("busy"));
      assertEquals(herald.nodeId(), fields.getString("node"));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"interval\": 0}",
        "{\"interval\": 1.5}",
        "{\"interval\": \"2\"}",
        "{\"every\": 2}",
        "5",
        "fast"
      })
  void invalidIntervalGetsNosubWithValidationError(String arg) {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.send(sub("bad", "reporting.realtime:" + arg));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"), nosub.encode());
      assertEquals("bad", nosub.getString("id"));
      assertEquals("reporting.realtime:" + arg, nosub.getString("collection"));
      assertEquals("VALIDATION", nosub.getJsonObject("error").getString("type"));
      c.expectSilence(200);
      assertEquals(0, herald.stats().sources.get());
    }
  }

  @Test
  void subscribersOfOneIntervalShareOneInstanceThatStopsAfterTheLast() {
    try (WsClient a = WsClient.connect(vertx, herald.httpPort());
        WsClient b = WsClient.connect(vertx, herald.httpPort())) {
      a.subscribe("a", "reporting.realtime:{\"interval\":1}");
      b.subscribe("b", "reporting.realtime:{ \"interval\" : 1 }");
      assertEquals(1, herald.stats().sources.get());
      a.subscribe("a2", "reporting.realtime");
      assertEquals(2, herald.stats().sources.get(), "the default interval is another instance");
      assertEquals("reporting.realtime:{ \"interval\" : 1 }", b.next().getString("collection"));
      a.send(unsub("a"));
      a.send(unsub("a2"));
      TestNodes.eventually(
          3000, "default-interval instance stopped", () -> herald.stats().sources.get() == 1);
      b.send(unsub("b"));
      TestNodes.eventually(3000, "all instances stopped", () -> herald.stats().sources.get() == 0);
    }
  }

  @Test
  void aHostWithoutProcFailsTheSubscriptionWithAClearError(
      @org.junit.jupiter.api.io.TempDir Path empty) {
    RealtimeSource source =
        new RealtimeSource(vertx, "n", empty.resolve("proc"), empty.resolve("sys"), null);
    Throwable failure =
        TestNodes.await(
            source.start(null).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())));
    assertTrue(failure.getMessage().contains("meminfo"), failure.getMessage());
  }
}

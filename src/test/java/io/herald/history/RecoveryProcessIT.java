package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.Messages;
import io.herald.support.NodeProcess;
import io.herald.support.TickPublisher;
import io.herald.support.WsClient;
import io.herald.support.WsClient.Received;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery across a real {@code kill -9}: three node processes publish ticks (an event with a
 * history); a client subscribed with positions on node 3 loses it to SIGKILL, reconnects to node 1
 * with the last position it saw, and gets every tick it missed of the surviving publishers — no
 * gap, no duplicate — then {@code ready} with {@code recovered: true}, then the live stream.
 */
@ExtendWith(VertxExtension.class)
class RecoveryProcessIT {

  private static final long WAIT_MS = 30_000;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aClientWhoseNodeWasKilledRecoversOnAnotherNode(Vertx vertx, @TempDir Path dir)
      throws Exception {
    List<NodeProcess> nodes = NodeProcess.startTickCluster(dir, 3, Map.of());
    try {
      NodeProcess n1 = nodes.get(0);
      NodeProcess n3 = nodes.get(2);
      List<String> ids = List.of(n1.nodeId(), nodes.get(1).nodeId(), n3.nodeId());

      Map<String, List<Long>> ticks = new HashMap<>();
      String last;
      try (WsClient before = WsClient.connect(vertx, "before", n3.httpPort).waitMs(WAIT_MS)) {
        before.awaitNodes("nodes", ids);
        before.send(Messages.sub("t", TickPublisher.EVENT).put("positions", true));
        before.next(m -> "ready".equals(m.getString("msg")) && m.containsKey("position"));
        for (String id : ids) {
          before.seen(
              "20 ticks of " + id,
              m ->
                  tick(m, id) && m.getJsonObject("fields").getLong("seq") > 20 + first(before, id));
        }
        n3.kill();
        before.awaitClose();
        last = collect(before.history(), ticks);
      }
      assertNotNull(last);

      try (WsClient after = WsClient.connect(vertx, "after", n1.httpPort).waitMs(WAIT_MS)) {
        after.send(Messages.sub("t", TickPublisher.EVENT).put("since", last));
        JsonObject ready = after.next(m -> "ready".equals(m.getString("msg")));
        assertEquals(true, ready.getBoolean("recovered"), ready.encode());
        long mark = ticks.get(ids.get(0)).get(ticks.get(ids.get(0)).size() - 1);
        after.seen(
            "live ticks of node 1",
            m -> tick(m, ids.get(0)) && m.getJsonObject("fields").getLong("seq") > mark + 25);
        collect(after.history(), ticks);
      }
      // The survivors' ticks span the kill and the reconnection without a hole or a repeat.
      for (String id : ids.subList(0, 2)) {
        assertConsecutive(id, ticks.get(id));
      }
      // The killed node's own: no repeat and no hole either, up to its last recorded tick.
      assertConsecutive(ids.get(2), ticks.get(ids.get(2)));
      System.out.printf(
          "[RecoveryProcessIT] ticks per publisher across the kill: %s%n",
          ticks.entrySet().stream().map(e -> e.getValue().size()).toList());
    } finally {
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  private static boolean tick(JsonObject m, String node) {
    return TickPublisher.EVENT.equals(m.getString("collection"))
        && m.getJsonObject("fields") != null
        && node.equals(m.getJsonObject("fields").getString("node"));
  }

  private static long first(WsClient c, String node) {
    return c.history().stream()
        .filter(r -> tick(r.msg(), node))
        .findFirst()
        .map(r -> r.msg().getJsonObject("fields").getLong("seq"))
        .orElse(Long.MAX_VALUE / 2);
  }

  /** Adds every tick of {@code history} to {@code ticks}; the last position seen. */
  private static String collect(List<Received> history, Map<String, List<Long>> ticks) {
    String last = null;
    for (Received r : history) {
      JsonObject m = r.msg();
      if (TickPublisher.EVENT.equals(m.getString("collection"))) {
        JsonObject f = m.getJsonObject("fields");
        ticks.computeIfAbsent(f.getString("node"), k -> new ArrayList<>()).add(f.getLong("seq"));
        last = m.getString("position");
      }
    }
    return last;
  }

  private static void assertConsecutive(String what, List<Long> seqs) {
    assertTrue(seqs != null && seqs.size() > 20, what + ": too few ticks " + seqs);
    for (int i = 1; i < seqs.size(); i++) {
      assertEquals(seqs.get(i - 1) + 1, seqs.get(i), what + " at " + i + ": " + seqs);
    }
  }
}

package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.Messages;
import io.herald.support.NodeProcess;
import io.herald.support.TestNodes;
import io.herald.support.TickPublisher;
import io.herald.support.WsClient;
import io.herald.support.WsClient.Received;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes, one killed with SIGKILL: clients on the survivors go on receiving
 * every event of the surviving publishers, the dead node's client reconnects elsewhere, its running
 * job ends FAILED on a survivor, and the node restarts and rejoins.
 */
@ExtendWith(VertxExtension.class)
class ClusterProcessIT {

  private static final long WAIT_MS = 30_000;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void survivorsKeepTheirStreamsWhenANodeIsKilledAndItRejoins(Vertx vertx, @TempDir Path dir)
      throws Exception {
    String cluster = "herald-proc-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    int[] memberPorts = NodeProcess.freePorts(3);
    String members =
        "127.0.0.1:"
            + memberPorts[0]
            + ",127.0.0.1:"
            + memberPorts[1]
            + ",127.0.0.1:"
            + memberPorts[2];
    List<NodeProcess> nodes = new ArrayList<>();
    List<WsClient> clients = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      nodes.add(
          NodeProcess.start(
              NodeProcess.freePort(), env(cluster, members, memberPorts[0]), dir.resolve("node1")));
      // Then the other two at once: they join the running node (started together with no cluster
      // yet, each
      // could find nobody and form a cluster of its own).
      CompletableFuture<NodeProcess> second =
          NodeProcess.startAsync(env(cluster, members, memberPorts[1]), dir.resolve("node2"));
      CompletableFuture<NodeProcess> third =
          NodeProcess.startAsync(env(cluster, members, memberPorts[2]), dir.resolve("node3"));
      Exception failed = null;
      for (CompletableFuture<NodeProcess> joining : List.of(second, third)) {
        try {
          nodes.add(joining.get(90, TimeUnit.SECONDS)); // NodeProcess.start gives up after 60 s
        } catch (Exception e) {
          failed = e;
        }
      }
      if (failed != null) {
        throw failed;
      }
      NodeProcess n1 = nodes.get(0);
      NodeProcess n2 = nodes.get(1);
      NodeProcess n3 = nodes.get(2);
      String id1 = n1.nodeId();
      String id2 = n2.nodeId();
      String id3 = n3.nodeId();
      System.out.printf("[ClusterProcessIT] three nodes up in %d ms%n", ms(t0));

      WsClient c1 = client(vertx, "c1", n1);
      WsClient c2 = client(vertx, "c2", n2);
      WsClient c3 = client(vertx, "c3", n3);
      clients.addAll(List.of(c1, c2, c3));
      for (WsClient c : List.of(c1, c2, c3)) {
        // Every node must know every other one before "ready" can promise their ticks.
        c.awaitNodes("nodes", List.of(id1, id2, id3));
        c.subscribeAmid("jobs", "core.get_jobs");
        c.subscribeAmid("ticks", TickPublisher.EVENT);
      }
      for (WsClient c : List.of(c1, c2, c3)) {
        for (String id : List.of(id1, id2, id3)) {
          c.seen("ticks of " + id, tickOf(id));
        }
      }

      // A long job on node 3, seen running by the clients of nodes 1 and 2.
      long job =
          c3.call("sleep", TickPublisher.SLEEP, new JsonArray().add(600_000)).getLong("result");
      for (WsClient c : List.of(c1, c2)) {
        c.seen(
            "job " + job + " running with progress",
            Messages.jobIn(job, "RUNNING")
                .and(
                    m ->
                        m.getJsonObject("fields").getValue("progress") instanceof JsonObject p
                            && p.getValue("percent") != null));
      }
      c1.send(Messages.method("wait", "core.job_wait", new JsonArray().add(job)));
      // The job's mirror is in the shared map, and every partition has its backup, before the
      // crash.
      TestNodes.eventually(
          WAIT_MS,
          "job " + job + " mirrored",
          () -> c1.call(TickPublisher.MIRRORED, new JsonArray().add(job)).getBoolean("result"));
      TestNodes.eventually(
          WAIT_MS,
          "cluster safe",
          () -> c1.call(TickPublisher.CLUSTER_SAFE, new JsonArray()).getBoolean("result"));

      long killed = System.nanoTime();
      n3.kill();
      for (WsClient c : List.of(c1, c2)) {
        Received gone =
            c.seen(
                "node 3 removed",
                m ->
                    "removed".equals(m.getString("msg"))
                        && "cluster.nodes".equals(m.getString("collection"))
                        && id3.equals(m.getString("id")));
        System.out.printf(
            "[ClusterProcessIT] %s: kill -9 -> cluster.nodes removed in %d ms%n",
            c.name(), TimeUnit.NANOSECONDS.toMillis(gone.nanos() - killed));
      }
      c3.awaitClose();

      // Node 3's client reconnects to node 1 and subscribes again.
      WsClient c3b = client(vertx, "c3b", n1);
      clients.add(c3b);
      c3b.subscribe("nodes", "cluster.nodes");
      c3b.subscribeAmid("jobs", "core.get_jobs");
      c3b.subscribeAmid("ticks", TickPublisher.EVENT);
      for (String id : List.of(id1, id2)) {
        c3b.seen("ticks of " + id + " after reconnecting", tickOf(id));
      }

      // The job ends FAILED on a survivor, naming the dead node; the wait from node 1 returns that
      // failure.
      for (WsClient c : List.of(c1, c2)) {
        JsonObject fields =
            c.seen("job " + job + " FAILED", Messages.jobIn(job, "FAILED"))
                .msg()
                .getJsonObject("fields");
        assertTrue(fields.getString("error", "").contains(id3), fields.encode());
        assertTrue(fields.getValue("time_finished") != null, fields.encode());
      }
      JsonObject waited = c1.seen("core.job_wait result", Messages.resultOf("wait")).msg();
      assertTrue(
          waited.getJsonObject("error") != null
              && waited.getJsonObject("error").getString("reason").contains(id3),
          waited.encode());
      JsonObject listed =
          c2.call(
                  "list",
                  "core.get_jobs",
                  new JsonArray()
                      .add(new JsonArray().add(new JsonArray().add("id").add("=").add(job)))
                      .add(new JsonObject().put("get", true)))
              .getJsonObject("result");
      assertEquals("FAILED", listed.getString("state"), listed.encode());

      // Node 3 restarts on the same ports and rejoins.
      long restart = System.nanoTime();
      NodeProcess n3b =
          NodeProcess.start(
              n3.httpPort, env(cluster, members, memberPorts[2]), dir.resolve("node3b"));
      nodes.add(n3b);
      String id3b = n3b.nodeId();
      assertNotEquals(id3, id3b);
      for (WsClient c : List.of(c1, c2, c3b)) {
        c.seen(
            "node 3 added again",
            m ->
                "added".equals(m.getString("msg"))
                    && "cluster.nodes".equals(m.getString("collection"))
                    && id3b.equals(m.getString("id")));
        c.seen("ticks of the restarted node", tickOf(id3b));
      }
      System.out.printf(
          "[ClusterProcessIT] node 3 restarted and its ticks delivered in %d ms%n", ms(restart));
      // A little more traffic after the rejoin, then the whole record is checked.
      long mark1 = lastSeq(c1, id1);
      c1.seen(
          "more ticks of node 1",
          m -> tickOf(id1).test(m) && m.getJsonObject("fields").getLong("seq") > mark1 + 25);

      for (WsClient c : List.of(c1, c2, c3b)) {
        Map<String, List<Long>> ticks = ticks(c);
        for (String publisher : List.of(id1, id2, id3, id3b)) {
          if (c == c3b && publisher.equals(id3)) {
            continue;
          }
          List<Long> seqs = ticks.getOrDefault(publisher, List.of());
          assertTrue(
              seqs.size() > 10,
              c.name() + " got too few ticks of " + publisher + ": " + seqs.size());
          assertConsecutive(c.name() + " ticks of " + publisher, seqs);
        }
        System.out.printf(
            "[ClusterProcessIT] %s: ticks per publisher %s%n", c.name(), counts(ticks));
      }
      // The survivors' streams span the kill: node 1 and node 2 kept publishing to them throughout.
      for (WsClient c : List.of(c1, c2)) {
        for (String publisher : List.of(id1, id2)) {
          List<Received> seen = ticksOf(c, publisher);
          assertTrue(
              seen.get(0).nanos() < killed && seen.get(seen.size() - 1).nanos() > restart,
              c.name() + " stream of " + publisher + " spans the kill and the restart");
        }
      }
      System.out.printf("[ClusterProcessIT] whole scenario %d ms%n", ms(t0));
    } catch (Throwable failure) {
      // The node logs live in the temporary directory: show their ends before it goes.
      for (NodeProcess node : nodes) {
        List<String> lines = node.output().lines().toList();
        System.out.printf(
            "[ClusterProcessIT] --- %s (last 40 lines)%n%s%n",
            node.log,
            String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
      throw failure;
    } finally {
      for (WsClient c : clients) {
        c.close();
      }
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  private static WsClient client(Vertx vertx, String name, NodeProcess node) {
    return WsClient.connect(vertx, name, node.httpPort).waitMs(WAIT_MS);
  }

  // --- nodes ---

  private static Map<String, String> env(String cluster, String members, int memberPort) {
    return Map.of(
        "HERALD_CLUSTER_NAME",
        cluster,
        "HERALD_CLUSTER_MEMBERS",
        members,
        "HERALD_CLUSTER_PORT",
        Integer.toString(memberPort),
        "HERALD_VERTICLES",
        TickPublisher.class.getName(),
        "HERALD_TEST_TICK_MS",
        "20",
        "HERALD_ALERTS_ENABLED",
        "false");
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  // --- messages ---

  private static Predicate<JsonObject> tickOf(String node) {
    return m ->
        TickPublisher.EVENT.equals(m.getString("collection"))
            && m.getJsonObject("fields") != null
            && node.equals(m.getJsonObject("fields").getString("node"));
  }

  /** The ticks {@code c} received, per publishing node, in arrival order. */
  private static Map<String, List<Long>> ticks(WsClient c) {
    Map<String, List<Long>> ticks = new HashMap<>();
    for (Received r : c.history()) {
      if (TickPublisher.EVENT.equals(r.msg().getString("collection"))) {
        JsonObject f = r.msg().getJsonObject("fields");
        ticks.computeIfAbsent(f.getString("node"), k -> new ArrayList<>()).add(f.getLong("seq"));
      }
    }
    return ticks;
  }

  private static List<Received> ticksOf(WsClient c, String node) {
    return c.history().stream().filter(r -> tickOf(node).test(r.msg())).toList();
  }

  private static long lastSeq(WsClient c, String node) {
    List<Long> seqs = ticks(c).getOrDefault(node, List.of());
    return seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
  }

  private static void assertConsecutive(String what, List<Long> seqs) {
    for (int i = 1; i < seqs.size(); i++) {
      if (seqs.get(i) != seqs.get(i - 1) + 1) {
        int from = Math.max(0, i - 5);
        throw new AssertionError(
            what
                + ": "
                + seqs.get(i - 1)
                + " then "
                + seqs.get(i)
                + " (at "
                + i
                + " of "
                + seqs.size()
                + ", around "
                + seqs.subList(from, Math.min(seqs.size(), i + 5))
                + ")");
      }
    }
  }

  private static Map<String, Integer> counts(Map<String, List<Long>> ticks) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    ticks.forEach((node, seqs) -> counts.put(node.substring(0, 8), seqs.size()));
    return counts;
  }
}

package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.NodeProcess;
import io.herald.support.TestNodes;
import io.herald.support.TickPublisher;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes, one killed with SIGKILL: clients on the survivors go on receiving every event of the
 * surviving publishers, the dead node's client reconnects elsewhere, its running job ends FAILED on a survivor, and
 * the node restarts and rejoins.
 */
@ExtendWith(VertxExtension.class)
class ClusterProcessIT {

  private static final long WAIT_MS = 30_000;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void survivorsKeepTheirStreamsWhenANodeIsKilledAndItRejoins(Vertx vertx, @TempDir Path dir) throws Exception {
    String cluster = "herald-proc-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    int[] memberPorts = freePorts(3);
    String members = "127.0.0.1:" + memberPorts[0] + ",127.0.0.1:" + memberPorts[1] + ",127.0.0.1:" + memberPorts[2];
    List<NodeProcess> nodes = new ArrayList<>();
    List<Client> clients = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      nodes.add(NodeProcess.start(NodeProcess.freePort(), env(cluster, members, memberPorts[0]), dir.resolve("node1")));
      // Then the other two at once: they join the running node (started together with no cluster yet, each
      // could find nobody and form a cluster of its own).
      CompletableFuture<NodeProcess> second = startAsync(env(cluster, members, memberPorts[1]), dir.resolve("node2"));
      CompletableFuture<NodeProcess> third = startAsync(env(cluster, members, memberPorts[2]), dir.resolve("node3"));
      Exception failed = null;
      for (CompletableFuture<NodeProcess> joining : List.of(second, third)) {
        try {
          nodes.add(joining.get(90, TimeUnit.SECONDS));   // NodeProcess.start gives up after 60 s
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
      String id1 = nodeId(n1);
      String id2 = nodeId(n2);
      String id3 = nodeId(n3);
      System.out.printf("[ClusterProcessIT] three nodes up in %d ms%n", ms(t0));

      Client c1 = Client.connect(vertx, "c1", n1.httpPort);
      Client c2 = Client.connect(vertx, "c2", n2.httpPort);
      Client c3 = Client.connect(vertx, "c3", n3.httpPort);
      clients.addAll(List.of(c1, c2, c3));
      for (Client c : List.of(c1, c2, c3)) {
        // Every node must know every other one before "ready" can promise their ticks.
        TestNodes.eventually(WAIT_MS, c.name + " sees three nodes",
            () -> c.call("n" + c.sent(), "cluster.nodes", new JsonArray()).getJsonArray("result").size() == 3);
        c.subscribe("nodes", "cluster.nodes");
        c.subscribe("jobs", "core.get_jobs");
        c.subscribe("ticks", TickPublisher.EVENT);
      }
      for (Client c : List.of(c1, c2, c3)) {
        for (String id : List.of(id1, id2, id3)) {
          c.await("ticks of " + id, tickOf(id));
        }
      }

      // A long job on node 3, seen running by the clients of nodes 1 and 2.
      long job = c3.call("sleep", TickPublisher.SLEEP, new JsonArray().add(600_000)).getLong("result");
      for (Client c : List.of(c1, c2)) {
        c.await("job " + job + " running with progress", m -> jobIs(m, job, "RUNNING")
            && m.getJsonObject("fields").getValue("progress") instanceof JsonObject p && p.getValue("percent") != null);
      }
      c1.send(new JsonObject().put("msg", "method").put("id", "wait").put("method", "core.job_wait")
          .put("params", new JsonArray().add(job)));
      // Let the shared maps (job mirror, node records) settle their backups before the crash.
      Thread.sleep(1500);

      long killed = System.nanoTime();
      n3.kill();
      for (Client c : List.of(c1, c2)) {
        Received gone = c.await("node 3 removed", m -> "removed".equals(m.getString("msg"))
            && "cluster.nodes".equals(m.getString("collection")) && id3.equals(m.getString("id")));
        System.out.printf("[ClusterProcessIT] %s: kill -9 -> cluster.nodes removed in %d ms%n", c.name,
            TimeUnit.NANOSECONDS.toMillis(gone.nanos - killed));
      }
      c3.awaitClose();

      // Node 3's client reconnects to node 1 and subscribes again.
      Client c3b = Client.connect(vertx, "c3b", n1.httpPort);
      clients.add(c3b);
      c3b.subscribe("nodes", "cluster.nodes");
      c3b.subscribe("jobs", "core.get_jobs");
      c3b.subscribe("ticks", TickPublisher.EVENT);
      for (String id : List.of(id1, id2)) {
        c3b.await("ticks of " + id + " after reconnecting", tickOf(id));
      }

      // The job ends FAILED on a survivor, naming the dead node; the wait from node 1 returns that failure.
      for (Client c : List.of(c1, c2)) {
        JsonObject fields = c.await("job " + job + " FAILED", m -> jobIs(m, job, "FAILED")).msg.getJsonObject("fields");
        assertTrue(fields.getString("error", "").contains(id3), fields.encode());
        assertTrue(fields.getValue("time_finished") != null, fields.encode());
      }
      JsonObject waited = c1.await("core.job_wait result", m -> "result".equals(m.getString("msg"))
          && "wait".equals(m.getValue("id"))).msg;
      assertTrue(waited.getJsonObject("error") != null && waited.getJsonObject("error").getString("reason").contains(id3),
          waited.encode());
      JsonObject listed = c2.call("list", "core.get_jobs", new JsonArray()
          .add(new JsonArray().add(new JsonArray().add("id").add("=").add(job)))
          .add(new JsonObject().put("get", true))).getJsonObject("result");
      assertEquals("FAILED", listed.getString("state"), listed.encode());

      // Node 3 restarts on the same ports and rejoins.
      long restart = System.nanoTime();
      NodeProcess n3b = NodeProcess.start(n3.httpPort, env(cluster, members, memberPorts[2]), dir.resolve("node3b"));
      nodes.add(n3b);
      String id3b = nodeId(n3b);
      assertNotEquals(id3, id3b);
      for (Client c : List.of(c1, c2, c3b)) {
        c.await("node 3 added again", m -> "added".equals(m.getString("msg"))
            && "cluster.nodes".equals(m.getString("collection")) && id3b.equals(m.getString("id")));
        c.await("ticks of the restarted node", tickOf(id3b));
      }
      System.out.printf("[ClusterProcessIT] node 3 restarted and its ticks delivered in %d ms%n", ms(restart));
      // A little more traffic after the rejoin, then the whole record is checked.
      long mark1 = c1.lastSeq(id1);
      c1.await("more ticks of node 1", m -> tickOf(id1).test(m) && m.getJsonObject("fields").getLong("seq") > mark1 + 25);

      for (Client c : List.of(c1, c2, c3b)) {
        Map<String, List<Long>> ticks = c.ticks();
        for (String publisher : List.of(id1, id2, id3, id3b)) {
          if (c == c3b && publisher.equals(id3)) {
            continue;
          }
          List<Long> seqs = ticks.getOrDefault(publisher, List.of());
          assertTrue(seqs.size() > 10, c.name + " got too few ticks of " + publisher + ": " + seqs.size());
          assertConsecutive(c.name + " ticks of " + publisher, seqs);
        }
        System.out.printf("[ClusterProcessIT] %s: ticks per publisher %s%n", c.name, counts(ticks));
      }
      // The survivors' streams span the kill: node 1 and node 2 kept publishing to them throughout.
      for (Client c : List.of(c1, c2)) {
        for (String publisher : List.of(id1, id2)) {
          assertTrue(c.firstTickNanos(publisher) < killed && c.lastTickNanos(publisher) > restart,
              c.name + " stream of " + publisher + " spans the kill and the restart");
        }
      }
      System.out.printf("[ClusterProcessIT] whole scenario %d ms%n", ms(t0));
    } catch (Throwable failure) {
      // The node logs live in the temporary directory: show their ends before it goes.
      for (NodeProcess node : nodes) {
        List<String> lines = node.output().lines().toList();
        System.out.printf("[ClusterProcessIT] --- %s (last 40 lines)%n%s%n", node.log,
            String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
      throw failure;
    } finally {
      for (Client c : clients) {
        c.close();
      }
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  // --- nodes ---

  private static Map<String, String> env(String cluster, String members, int memberPort) {
    return Map.of(
        "HERALD_CLUSTER_NAME", cluster,
        "HERALD_CLUSTER_MEMBERS", members,
        "HERALD_CLUSTER_PORT", Integer.toString(memberPort),
        "HERALD_VERTICLES", TickPublisher.class.getName(),
        "HERALD_TEST_TICK_MS", "20",
        "HERALD_ALERTS_ENABLED", "false");
  }

  private static CompletableFuture<NodeProcess> startAsync(Map<String, String> env, Path dir) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return NodeProcess.start(NodeProcess.freePort(), env, dir);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** The node's id from {@code /api/status}, once it answers. */
  private static String nodeId(NodeProcess node) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (true) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.httpPort + "/api/status")).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return new JsonObject(response.body()).getString("node");
        }
      } catch (IOException notYet) {
        if (System.currentTimeMillis() > deadline) {
          throw notYet;
        }
      }
      Thread.sleep(100);
    }
  }

  /** Distinct free ports away from the ephemeral range (Hazelcast member ports: 5701.. is for other clusters). */
  private static int[] freePorts(int n) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < n) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (ports.contains(port)) {
        continue;
      }
      try (ServerSocket ignored = new ServerSocket(port)) {
        ports.add(port);
      } catch (IOException taken) {
        // try another
      }
    }
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  // --- messages ---

  private static Predicate<JsonObject> tickOf(String node) {
    return m -> TickPublisher.EVENT.equals(m.getString("collection")) && m.getJsonObject("fields") != null
        && node.equals(m.getJsonObject("fields").getString("node"));
  }

  private static boolean jobIs(JsonObject m, long job, String state) {
    return "core.get_jobs".equals(m.getString("collection")) && m.getValue("id") instanceof Number id
        && id.longValue() == job && m.getJsonObject("fields") != null
        && state.equals(m.getJsonObject("fields").getString("state"));
  }

  private static void assertConsecutive(String what, List<Long> seqs) {
    for (int i = 1; i < seqs.size(); i++) {
      if (seqs.get(i) != seqs.get(i - 1) + 1) {
        int from = Math.max(0, i - 5);
        throw new AssertionError(what + ": " + seqs.get(i - 1) + " then " + seqs.get(i) + " (at " + i + " of "
            + seqs.size() + ", around " + seqs.subList(from, Math.min(seqs.size(), i + 5)) + ")");
      }
    }
  }

  private static Map<String, Integer> counts(Map<String, List<Long>> ticks) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    ticks.forEach((node, seqs) -> counts.put(node.substring(0, 8), seqs.size()));
    return counts;
  }

  /** A message and when it arrived. */
  record Received(long nanos, JsonObject msg) {
  }

  /** A websocket client that records every message with its arrival time; used from the test thread. */
  static final class Client implements AutoCloseable {

    final String name;
    private final WebSocketClient client;
    private final WebSocket ws;
    private final List<Received> log = new ArrayList<>();
    private final CompletableFuture<Short> closed = new CompletableFuture<>();
    private int sent;

    private Client(String name, WebSocketClient client, WebSocket ws) {
      this.name = name;
      this.client = client;
      this.ws = ws;
      ws.textMessageHandler(text -> {
        Received r = new Received(System.nanoTime(), new JsonObject(text));
        synchronized (log) {
          log.add(r);
        }
      });
      ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    }

    static Client connect(Vertx vertx, String name, int port) {
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket ws = TestNodes.await(client.connect(
          new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI("/websocket")));
      return new Client(name, client, ws);
    }

    int sent() {
      return sent;
    }

    void send(JsonObject message) {
      sent++;
      TestNodes.await(ws.writeTextMessage(message.encode()));
    }

    private Optional<Received> find(Predicate<JsonObject> filter) {
      synchronized (log) {
        return log.stream().filter(r -> filter.test(r.msg)).findFirst();
      }
    }

    /** The first message (received so far or later) matching {@code filter}. */
    Received await(String what, Predicate<JsonObject> filter) {
      TestNodes.eventually(WAIT_MS, name + ": " + what, () -> find(filter).isPresent());
      return find(filter).orElseThrow();
    }

    void subscribe(String id, String event) {
      send(new JsonObject().put("msg", "sub").put("id", id).put("name", event).put("snapshot", false));
      Received answer = await("ready or nosub for " + id, m -> ("ready".equals(m.getString("msg"))
          && m.getJsonArray("subs").contains(id)) || ("nosub".equals(m.getString("msg")) && id.equals(m.getValue("id"))));
      assertEquals("ready", answer.msg.getString("msg"), answer.msg.encode());
    }

    JsonObject call(String id, String method, JsonArray params) {
      send(new JsonObject().put("msg", "method").put("id", id).put("method", method).put("params", params));
      return await("result of " + id, m -> "result".equals(m.getString("msg")) && id.equals(m.getValue("id"))).msg;
    }

    void awaitClose() {
      try {
        closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError(name + ": connection not closed", e);
      }
    }

    /** The ticks received, per publishing node, in arrival order. */
    Map<String, List<Long>> ticks() {
      Map<String, List<Long>> ticks = new HashMap<>();
      synchronized (log) {
        for (Received r : log) {
          if (TickPublisher.EVENT.equals(r.msg.getString("collection"))) {
            JsonObject f = r.msg.getJsonObject("fields");
            ticks.computeIfAbsent(f.getString("node"), k -> new ArrayList<>()).add(f.getLong("seq"));
          }
        }
      }
      return ticks;
    }

    long lastSeq(String node) {
      List<Long> seqs = ticks().getOrDefault(node, List.of());
      return seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
    }

    private List<Received> ticksOf(String node) {
      synchronized (log) {
        return log.stream().filter(r -> tickOf(node).test(r.msg)).toList();
      }
    }

    long firstTickNanos(String node) {
      return ticksOf(node).get(0).nanos;
    }

    long lastTickNanos(String node) {
      List<Received> t = ticksOf(node);
      return t.get(t.size() - 1).nanos;
    }

    @Override
    public void close() {
      if (!closed.isDone()) {
        ws.close();
      }
      client.close();
    }
  }
}

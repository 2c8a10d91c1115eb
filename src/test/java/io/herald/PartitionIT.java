package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.herald.support.NetworkNamespaces;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition, twice: three node processes, each in its own network namespace on one
 * bridge ({@code conf/cluster-hosts.xml}, the three addresses as {@code cluster.members}); node 3
 * is taken off the bridge, both sides notice, run jobs, and merge again when it is put back. Job
 * ids stay distinct on both sides and after the merge; after it, every node lists every job once
 * with its owner's state, each side's clients learn the other side's nodes and jobs again, and
 * events cross again.
 */
@ExtendWith(VertxExtension.class)
class PartitionIT {

  private static final int PORT = 8080;
  private static final long WAIT_MS = 60_000;

  /**
   * Fast failure detection and merging (conf/cluster-hosts.xml: 20 s, then merges after 60 s and
   * every 30 s).
   */
  private static final String HAZELCAST_OPTS =
      "-Dhazelcast.max.no.heartbeat.seconds=5"
          + " -Dhazelcast.heartbeat.interval.seconds=1 -Dhazelcast.merge.first.run.delay.seconds=5"
          + " -Dhazelcast.merge.next.run.delay.seconds=2";

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void jobIdsStayDistinctAcrossAPartitionAndTheOwnersStateWinsWhenItHeals(
      Vertx vertx, @TempDir Path dir) throws Exception {
    String unavailable = NetworkNamespaces.unavailable();
    assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    Path files = Files.createDirectories(dir.resolve("files"));
    Files.writeString(files.resolve("a.txt"), "alpha");
    List<NodeProcess> nodes = new ArrayList<>();
    List<Client> clients = new ArrayList<>();
    try (NetworkNamespaces net = NetworkNamespaces.create(3)) {
      long t0 = System.nanoTime();
      String members = net.address(1) + "," + net.address(2) + "," + net.address(3);
      String cluster =
          "herald-partition-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
      nodes.add(start(net, 1, cluster, members, files, dir));
      // The other two join the first (started together with no cluster yet, each could form its
      // own).
      List<CompletableFuture<NodeProcess>> joining =
          List.of(
              CompletableFuture.supplyAsync(() -> start(net, 2, cluster, members, files, dir)),
              CompletableFuture.supplyAsync(() -> start(net, 3, cluster, members, files, dir)));
      for (CompletableFuture<NodeProcess> node : joining) {
        nodes.add(node.get(90, TimeUnit.SECONDS));
      }
      String[] ids = {null, nodeId(net, 1), nodeId(net, 2), nodeId(net, 3)};
      Client c1 = Client.connect(vertx, "c1", net.address(1));
      Client c2 = Client.connect(vertx, "c2", net.address(2));
      Client c3 = Client.connect(vertx, "c3", net.address(3));
      clients.addAll(List.of(c1, c2, c3));
      for (Client c : clients) {
        TestNodes.eventually(
            WAIT_MS,
            c.name + " sees three nodes",
            () -> c.call("cluster.nodes", new JsonArray()).getJsonArray("result").size() == 3);
        c.subscribe("nodes", "cluster.nodes");
        c.subscribe("jobs", "core.get_jobs");
        c.subscribe("ticks", TickPublisher.EVENT);
      }
      log("three nodes up in %d ms: %s %s %s", ms(t0), ids[1], ids[2], ids[3]);

      Set<Long> allIds = new HashSet<>();
      for (int round = 1; round <= 2; round++) {
        long r0 = System.nanoTime();
        // A long job on each side, running when the link goes.
        long long1 = c1.call(TickPublisher.SLEEP, new JsonArray().add(600_000)).getLong("result");
        long long3 = c3.call(TickPublisher.SLEEP, new JsonArray().add(600_000)).getLong("result");
        c1.await("long job of node 3 running", c1.mark(), jobIs(long3, "RUNNING"));
        c3.await("long job of node 1 running", c3.mark(), jobIs(long1, "RUNNING"));

        int beforeCut1 = c1.mark();
        int beforeCut3 = c3.mark();
        net.cut(3);
        long cut = System.nanoTime();
        c1.await("node 3 removed", beforeCut1, nodeEvent("removed", ids[3]));
        log("round %d: node 1 sees the split %d ms after the cut", round, ms(cut));
        c3.await("node 1 removed", beforeCut3, nodeEvent("removed", ids[1]));
        c3.await("node 2 removed", beforeCut3, nodeEvent("removed", ids[2]));
        log("round %d: node 3 sees the split %d ms after the cut", round, ms(cut));
        // Each side presumes the other side's unfinished job dead.
        c1.await("node 3's long job presumed FAILED", beforeCut1, jobIs(long3, "FAILED"));
        c3.await("node 1's long job presumed FAILED", beforeCut3, jobIs(long1, "FAILED"));

        // Five checksum jobs on each side: on nodes 1 and 2, and on node 3 alone.
        List<Long> majority = new ArrayList<>();
        List<Long> minority = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          majority.add(checksum(i % 2 == 0 ? c1 : c2, files));
          minority.add(checksum(c3, files));
        }
        log("round %d: ids on nodes 1-2 %s, on node 3 %s", round, majority, minority);
        Set<Long> distinct = new HashSet<>(majority);
        distinct.addAll(minority);
        assertEquals(
            10, distinct.size(), "ids distinct across the sides: " + majority + " " + minority);

        int beforeHeal1 = c1.mark();
        int beforeHeal3 = c3.mark();
        net.heal(3);
        long healed = System.nanoTime();
        // Each side's clients learn the other side's nodes again.
        c1.await("node 3 back", beforeHeal1, nodeEvent("added", ids[3]));
        c3.await("node 1 back", beforeHeal3, nodeEvent("added", ids[1]));
        c3.await("node 2 back", beforeHeal3, nodeEvent("added", ids[2]));
        log("round %d: merged %d ms after the link came back", round, ms(healed));
        // The owner's state wins over the presumed FAILED; the jobs run during the split are
        // announced as added.
        c1.await("node 3's long job RUNNING again", beforeHeal1, jobIs(long3, "RUNNING"));
        c3.await("node 1's long job RUNNING again", beforeHeal3, jobIs(long1, "RUNNING"));
        for (long id : minority) {
          c1.await(
              "node 3's job " + id + " added",
              beforeHeal1,
              jobIs(id, "SUCCESS").and(kind("added")));
        }
        for (long id : majority) {
          c3.await(
              "node 1-2's job " + id + " added",
              beforeHeal3,
              jobIs(id, "SUCCESS").and(kind("added")));
        }
        // Every node lists every job once, with its owner's state.
        Map<Long, String> expected = new HashMap<>();
        majority.forEach(id -> expected.put(id, "SUCCESS"));
        minority.forEach(id -> expected.put(id, "SUCCESS"));
        expected.put(long1, "RUNNING");
        expected.put(long3, "RUNNING");
        for (Client c : clients) {
          TestNodes.eventually(
              WAIT_MS,
              c.name + " lists every job once with its owner's state",
              () -> listed(c, expected.keySet()).equals(expected));
        }
        // Events cross the healed link: node 1's ticks reach node 3's client.
        int mark3 = c3.mark();
        c3.await(
            "a tick of node 1 after the merge",
            mark3,
            m ->
                TickPublisher.EVENT.equals(m.getString("collection"))
                    && ids[1].equals(m.getJsonObject("fields").getString("node")));
        // Aborts reach the owner across the healed link, and the owners' final states reach both
        // sides.
        c3.call("core.job_abort", new JsonArray().add(long1));
        c1.call("core.job_abort", new JsonArray().add(long3));
        for (Client c : List.of(c1, c3)) {
          int from = c == c1 ? beforeHeal1 : beforeHeal3;
          c.await("node 1's long job aborted", from, jobIs(long1, "ABORTED"));
          c.await("node 3's long job aborted", from, jobIs(long3, "ABORTED"));
        }

        for (long id : expected.keySet()) {
          assertTrue(allIds.add(id), "id " + id + " issued in an earlier round too");
        }
        log("round %d passed in %d ms", round, ms(r0));
      }
      log("whole test %d ms; ids %s", ms(t0), new java.util.TreeSet<>(allIds));
    } catch (Throwable failure) {
      for (NodeProcess node : nodes) {
        List<String> lines = node.output().lines().toList();
        log(
            "--- %s (last 60 lines)%n%s",
            node.log,
            String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
      }
      throw failure;
    } finally {
      clients.forEach(Client::close);
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }

  // --- nodes ---

  private static NodeProcess start(
      NetworkNamespaces net, int i, String cluster, String members, Path files, Path dir) {
    try {
      return NodeProcess.start(
          net.exec(i),
          PORT,
          Map.of(
              "HERALD_CLUSTER_CONFIG",
              "conf/cluster-hosts.xml",
              "HERALD_CLUSTER_NAME",
              cluster,
              "HERALD_CLUSTER_MEMBERS",
              members,
              "HERALD_CLUSTER_HOST",
              net.address(i),
              "HERALD_HTTP_HOST", // the clients reach the node at its namespace's address
              net.address(i),
              "HERALD_FILES_ROOTS",
              files.toString(),
              "HERALD_VERTICLES",
              TickPublisher.class.getName(),
              "HERALD_TEST_TICK_MS",
              "200",
              "HERALD_ALERTS_ENABLED",
              "false",
              "HERALD_JAVA_OPTS",
              HAZELCAST_OPTS),
          dir.resolve("node" + i));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String nodeId(NetworkNamespaces net, int i) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://" + net.address(i) + ":" + PORT + "/api/status"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return new JsonObject(response.body()).getString("node");
  }

  private static long checksum(Client c, Path files) {
    JsonObject started =
        c.call("filesystem.checksum", new JsonArray().add(files.toString()).add("sha256"));
    long id = started.getLong("result");
    JsonObject done = c.call("core.job_wait", new JsonArray().add(id));
    assertTrue(done.getJsonObject("result") != null, done.encode());
    return id;
  }

  /** {@code core.get_jobs} of the given ids: id → state, failing on an id listed twice. */
  private static Map<Long, String> listed(Client c, Set<Long> ids) {
    JsonArray jobs =
        c.call(
                "core.get_jobs",
                new JsonArray()
                    .add(
                        new JsonArray()
                            .add(
                                new JsonArray()
                                    .add("id")
                                    .add("in")
                                    .add(new JsonArray(new ArrayList<>(ids)))))
                    .add(new JsonObject().put("select", new JsonArray().add("id").add("state"))))
            .getJsonArray("result");
    Map<Long, String> states = new HashMap<>();
    for (Object o : jobs) {
      JsonObject job = (JsonObject) o;
      String before = states.put(job.getLong("id"), job.getString("state"));
      assertTrue(
          before == null,
          c.name + ": job " + job.getLong("id") + " listed twice: " + jobs.encode());
    }
    return states;
  }

  // --- messages ---

  private static Predicate<JsonObject> nodeEvent(String msg, String node) {
    return m ->
        msg.equals(m.getString("msg"))
            && "cluster.nodes".equals(m.getString("collection"))
            && node.equals(m.getString("id"));
  }

  private static Predicate<JsonObject> kind(String msg) {
    return m -> msg.equals(m.getString("msg"));
  }

  private static Predicate<JsonObject> jobIs(long job, String state) {
    return m ->
        "core.get_jobs".equals(m.getString("collection"))
            && m.getValue("id") instanceof Number id
            && id.longValue() == job
            && m.getJsonObject("fields") != null
            && state.equals(m.getJsonObject("fields").getString("state"));
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private static void log(String format, Object... args) {
    System.out.printf("[PartitionIT] " + format + "%n", args);
  }

  /**
   * A websocket client that records every message; the test waits for a message after a mark in the
   * record.
   */
  static final class Client implements AutoCloseable {

    final String name;
    private final WebSocketClient client;
    private final WebSocket ws;
    private final List<JsonObject> log = new ArrayList<>();
    private int calls;

    private Client(String name, WebSocketClient client, WebSocket ws) {
      this.name = name;
      this.client = client;
      this.ws = ws;
      ws.textMessageHandler(
          text -> {
            synchronized (log) {
              log.add(new JsonObject(text));
            }
          });
    }

    static Client connect(Vertx vertx, String name, String host) {
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket ws =
          TestNodes.await(
              client.connect(
                  new WebSocketConnectOptions().setHost(host).setPort(PORT).setURI("/websocket")));
      return new Client(name, client, ws);
    }

    /** The number of messages received so far: {@link #await} from here finds only later ones. */
    int mark() {
      synchronized (log) {
        return log.size();
      }
    }

    /** The first message at or after {@code from} that matches, waiting up to a minute for it. */
    JsonObject await(String what, int from, Predicate<JsonObject> filter) {
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (true) {
        synchronized (log) {
          for (int i = from; i < log.size(); i++) {
            if (filter.test(log.get(i))) {
              return log.get(i);
            }
          }
        }
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError(
              name + ": timed out waiting for " + what + "; the last messages: " + last(8));
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
    }

    /** The last {@code n} messages received (for failure messages), without ticks. */
    private List<String> last(int n) {
      synchronized (log) {
        List<String> last = new ArrayList<>();
        for (int i = log.size() - 1; i >= 0 && last.size() < n; i--) {
          if (!TickPublisher.EVENT.equals(log.get(i).getString("collection"))) {
            String text = log.get(i).encode();
            last.add(0, "#" + i + " " + text.substring(0, Math.min(200, text.length())));
          }
        }
        last.add("(" + log.size() + " in all)");
        return last;
      }
    }

    JsonObject call(String method, JsonArray params) {
      String id = name + "-" + (++calls);
      int from = mark();
      TestNodes.await(
          ws.writeTextMessage(
              new JsonObject()
                  .put("msg", "method")
                  .put("id", id)
                  .put("method", method)
                  .put("params", params)
                  .encode()));
      return await(
          "result of " + method,
          from,
          m -> "result".equals(m.getString("msg")) && id.equals(m.getValue("id")));
    }

    void subscribe(String id, String event) {
      int from = mark();
      TestNodes.await(
          ws.writeTextMessage(
              new JsonObject().put("msg", "sub").put("id", id).put("name", event).encode()));
      JsonObject answer =
          await(
              "ready or nosub of " + id,
              from,
              m ->
                  ("ready".equals(m.getString("msg")) && m.getJsonArray("subs").contains(id))
                      || ("nosub".equals(m.getString("msg")) && id.equals(m.getValue("id"))));
      assertEquals("ready", answer.getString("msg"), answer.encode());
    }

    @Override
    public void close() {
      ws.close();
      client.close();
    }
  }
}

package io.herald.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The websocket side of {@code scripts/measure-cluster}, against nodes running {@link TickPublisher}. Prints rows
 * {@code figure|n|min|median|p90|max} (milliseconds) on stdout.
 *
 * <pre>
 * detect  WS_PORT PID NODE_ID LABEL    subscribe to cluster.nodes on WS_PORT, SIGKILL PID, time until NODE_ID is removed
 * latency WS_PORT REMOTE_NODE_ID RUNS  fresh subscriptions to test.node_ticks: sub → ready, ready → first event of
 *                                      REMOTE_NODE_ID; then the same with the event's consumer already on the node
 * </pre>
 */
public final class ClusterFigures {

  private static final long WAIT_MS = 30_000;

  private ClusterFigures() {
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "detect" -> detect(Integer.parseInt(args[1]), Long.parseLong(args[2]), args[3], args[4]);
      case "latency" -> latency(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.exit(0);
  }

  private static void detect(int port, long pid, String victim, String label) throws Exception {
    try (Client c = Client.connect(port)) {
      c.awaitNode(victim);
      c.subscribe("nodes", "cluster.nodes");
      ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
      long killed = System.nanoTime();
      process.destroyForcibly();
      Received gone = c.await(m -> "removed".equals(m.getString("msg")) && "cluster.nodes".equals(m.getString("collection"))
          && victim.equals(m.getString("id")));
      row(label, List.of(ms(gone.nanos - killed)));
    }
  }

  private static void latency(int port, String remote, int runs) throws Exception {
    List<Double> subReady = new ArrayList<>();
    List<Double> readyFirst = new ArrayList<>();
    List<Double> publishReceive = new ArrayList<>();
    int publishedBeforeReady = 0;
    try (Client c = Client.connect(port)) {
      c.awaitNode(remote);
      Predicate<JsonObject> remoteTick = m -> TickPublisher.EVENT.equals(m.getString("collection"))
          && remote.equals(m.getJsonObject("fields").getString("node"));
      for (int i = 0; i < runs; i++) {
        String id = "fresh" + i;
        long sub = System.nanoTime();
        c.send(new JsonObject().put("msg", "sub").put("id", id).put("name", TickPublisher.EVENT));
        Received ready = c.await(m -> "ready".equals(m.getString("msg")) && m.getJsonArray("subs").contains(id));
        Received first = c.await(remoteTick);
        subReady.add(ms(ready.nanos - sub));
        readyFirst.add(ms(first.nanos - ready.nanos));
        long published = first.msg.getJsonObject("fields").getLong("time_us");
        publishReceive.add((first.micros - published) / 1000.0);
        if (published < ready.micros) {
          publishedBeforeReady++;
        }
        c.unsubscribe(id);
        Thread.sleep(200);
      }
      row("fresh sub -> ready", subReady);
      row("ready -> first remote event", readyFirst);
      row("  its publish -> receive", publishReceive);
      System.out.println("note|" + publishedBeforeReady + " of " + runs
          + " first remote events were published before the ready arrived");

      // The same with the event's bus consumer already registered on the node (another subscriber holds it).
      List<Double> warm = new ArrayList<>();
      try (Client holder = Client.connect(port)) {
        holder.subscribe("hold", TickPublisher.EVENT);
        for (int i = 0; i < runs; i++) {
          String id = "warm" + i;
          long sub = System.nanoTime();
          c.send(new JsonObject().put("msg", "sub").put("id", id).put("name", TickPublisher.EVENT));
          Received ready = c.await(m -> "ready".equals(m.getString("msg")) && m.getJsonArray("subs").contains(id));
          warm.add(ms(ready.nanos - sub));
          c.unsubscribe(id);
          Thread.sleep(20);
        }
      }
      row("sub -> ready, consumer already on node", warm);
    }
  }

  // --- output ---

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void row(String label, List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    System.out.println(String.format(Locale.ROOT, "%s|%d|%.1f|%.1f|%.1f|%.1f", label, n, sorted.get(0),
        sorted.get(n / 2), sorted.get(Math.min(n - 1, (int) Math.ceil(n * 0.9) - 1)), sorted.get(n - 1)));
  }

  // --- a websocket client (the JDK's) ---

  record Received(long nanos, long micros, JsonObject msg) {
  }

  static final class Client implements WebSocket.Listener, AutoCloseable {

    private final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;
    private int calls;

    static Client connect(int port) throws Exception {
      Client c = new Client();
      c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/websocket"), c).get(10, TimeUnit.SECONDS);
      return c;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        long nanos = System.nanoTime();
        queue.add(new Received(nanos, TickPublisher.nowMicros(), new JsonObject(partial.toString())));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    void send(JsonObject message) {
      ws.sendText(message.encode(), true).join();
    }

    /** The next message matching {@code filter}; the ones before it are dropped. */
    Received await(Predicate<JsonObject> filter) throws InterruptedException {
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (true) {
        Received r = queue.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
          throw new IllegalStateException("no matching message within " + WAIT_MS + " ms");
        }
        if (filter.test(r.msg)) {
          return r;
        }
      }
    }

    void subscribe(String id, String event) throws InterruptedException {
      send(new JsonObject().put("msg", "sub").put("id", id).put("name", event));
      JsonObject answer = await(m -> ("ready".equals(m.getString("msg")) && m.getJsonArray("subs").contains(id))
          || ("nosub".equals(m.getString("msg")) && id.equals(m.getValue("id")))).msg;
      if (!"ready".equals(answer.getString("msg"))) {
        throw new IllegalStateException(answer.encode());
      }
    }

    /** Unsubscribes; returns once the server has handled it and nothing more of it is on the way. */
    void unsubscribe(String id) throws InterruptedException {
      String ping = "p" + (++calls);
      send(new JsonObject().put("msg", "unsub").put("id", id));
      send(new JsonObject().put("msg", "ping").put("id", ping));
      await(m -> "pong".equals(m.getString("msg")) && ping.equals(m.getValue("id")));
      queue.clear();
    }

    JsonArray call(String method) throws InterruptedException {
      String id = "c" + (++calls);
      send(new JsonObject().put("msg", "method").put("id", id).put("method", method).put("params", new JsonArray()));
      return await(m -> "result".equals(m.getString("msg")) && id.equals(m.getValue("id"))).msg.getJsonArray("result");
    }

    /** Waits until {@code cluster.nodes} lists {@code node}. */
    void awaitNode(String node) throws InterruptedException {
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (call("cluster.nodes").stream().noneMatch(n -> node.equals(((JsonObject) n).getString("id")))) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("node " + node + " not listed in cluster.nodes");
        }
        Thread.sleep(100);
      }
    }

    @Override
    public void close() {
      ws.abort();
    }
  }
}

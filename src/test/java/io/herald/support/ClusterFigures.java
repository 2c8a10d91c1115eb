package io.herald.support;

import io.herald.support.WsClient.Received;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The websocket side of {@code scripts/measure-cluster}, against nodes running {@link
 * TickPublisher}. Prints rows {@code figure|n|min|median|p90|max} (milliseconds) on stdout.
 *
 * <pre>
 * detect  WS_PORT PID NODE_ID LABEL    subscribe to cluster.nodes on WS_PORT, SIGKILL PID, time until NODE_ID is removed
 * latency WS_PORT REMOTE_NODE_ID RUNS  fresh subscriptions to test.node_ticks: sub → ready, ready → first event of
 *                                      REMOTE_NODE_ID; then the same with the event's consumer already on the node
 * </pre>
 */
public final class ClusterFigures {

  private static final long WAIT_MS = 30_000;

  private ClusterFigures() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    switch (args[0]) {
      case "detect" ->
          detect(vertx, Integer.parseInt(args[1]), Long.parseLong(args[2]), args[3], args[4]);
      case "latency" ->
          latency(vertx, Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.exit(0);
  }

  private static WsClient connect(Vertx vertx, int port) {
    return WsClient.connect(vertx, port).waitMs(WAIT_MS);
  }

  private static void detect(Vertx vertx, int port, long pid, String victim, String label) {
    try (WsClient c = connect(vertx, port)) {
      c.awaitNodes("nodes", List.of(victim));
      ProcessHandle process =
          ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
      long killed = System.nanoTime();
      process.destroyForcibly();
      JsonObject gone =
          c.skipUntil(
              m ->
                  "removed".equals(m.getString("msg"))
                      && "cluster.nodes".equals(m.getString("collection"))
                      && victim.equals(m.getString("id")));
      row(label, List.of(ms(c.arrival(gone).nanos() - killed)));
    }
  }

  private static void latency(Vertx vertx, int port, String remote, int runs) throws Exception {
    List<Double> subReady = new ArrayList<>();
    List<Double> readyFirst = new ArrayList<>();
    List<Double> publishReceive = new ArrayList<>();
    int publishedBeforeReady = 0;
    try (WsClient c = connect(vertx, port)) {
      c.awaitNodes("nodes", List.of(remote));
      c.send(Messages.unsub("nodes"));
      c.sync();
      Predicate<JsonObject> remoteTick =
          m ->
              TickPublisher.EVENT.equals(m.getString("collection"))
                  && remote.equals(m.getJsonObject("fields").getString("node"));
      for (int i = 0; i < runs; i++) {
        String id = "fresh" + i;
        // Fresh: no consumer of the event on the node (bus.consumer-linger-ms is 0 in
        // measure-cluster).
        awaitNoConsumer(port);
        long sub = System.nanoTime();
        c.send(Messages.sub(id, TickPublisher.EVENT));
        Received ready = c.arrival(c.skipUntil(m -> Messages.ready(id).equals(m)));
        Received first = c.arrival(c.skipUntil(remoteTick));
        subReady.add(ms(ready.nanos() - sub));
        readyFirst.add(ms(first.nanos() - ready.nanos()));
        long published = first.msg().getJsonObject("fields").getLong("time_us");
        publishReceive.add((first.micros() - published) / 1000.0);
        if (published < ready.micros()) {
          publishedBeforeReady++;
        }
        unsubscribe(c, id);
      }
      row("fresh sub -> ready", subReady);
      row("ready -> first remote event", readyFirst);
      row("  its publish -> receive", publishReceive);
      System.out.println(
          "note|"
              + publishedBeforeReady
              + " of "
              + runs
              + " first remote events were published before the ready arrived");

      // The same with the event's bus consumer already registered on the node (another subscriber
      // holds it).
      List<Double> warm = new ArrayList<>();
      try (WsClient holder = connect(vertx, port)) {
        holder.subscribe("hold", TickPublisher.EVENT);
        for (int i = 0; i < runs; i++) {
          String id = "warm" + i;
          long sub = System.nanoTime();
          c.send(Messages.sub(id, TickPublisher.EVENT));
          Received ready = c.arrival(c.skipUntil(m -> Messages.ready(id).equals(m)));
          warm.add(ms(ready.nanos() - sub));
          unsubscribe(c, id);
        }
      }
      row("sub -> ready, consumer already on node", warm);
    }
  }

  /** Unsubscribes; returns once the server has handled it and nothing more of it is on the way. */
  private static void unsubscribe(WsClient c, String id) {
    c.send(Messages.unsub(id));
    c.sync();
  }

  /** Waits until the node holds no bus consumer (its {@code /api/status}). */
  private static void awaitNoConsumer(int port) {
    TestNodes.eventually(
        WAIT_MS,
        "no bus consumer on the node",
        () -> Http.status(port).getInteger("bus_consumers") == 0);
  }

  // --- output ---

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void row(String label, List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    System.out.println(
        String.format(
            Locale.ROOT,
            "%s|%d|%.1f|%.1f|%.1f|%.1f",
            label,
            n,
            sorted.get(0),
            sorted.get(n / 2),
            sorted.get(Math.min(n - 1, (int) Math.ceil(n * 0.9) - 1)),
            sorted.get(n - 1)));
  }
}

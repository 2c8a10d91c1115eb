package io.herald.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The long fuzz run of {@code scripts/fuzz}: a node in its own process (standalone, the default
 * limits with the short times of FuzzIT, a {@link TickPublisher}), {@code threads} hostile clients
 * playing {@link Fuzz#action()}s until {@code messages} messages are sent, and a {@link
 * Fuzz.WellBehaved} subscriber. Prints the figures; exits 1 when the node lost or reordered an
 * event of the well-behaved subscriber, closed it, left connections, subscriptions, sources or
 * calls behind, or stopped answering.
 *
 * <p>Arguments: {@code messages} (default 1,000,000), {@code threads} (4). (The generators are
 * jqwik's samples, whose seed is jqwik's own: a failure found here is reproduced by FuzzIT's
 * property with its reported seed, or by the figures' kinds.)
 */
public final class FuzzMain {

  public static void main(String[] args) throws Exception {
    long target = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_CLUSTER_ENABLED", "false");
    env.put("HERALD_ALERTS_ENABLED", "false");
    env.put("HERALD_VERTICLES", TickPublisher.class.getName());
    env.put("HERALD_TEST_TICK_MS", "20");
    Fuzz.nodeSettings()
        .forEach(
            e ->
                env.put(
                    "HERALD_" + e.getKey().toUpperCase().replace('.', '_').replace('-', '_'),
                    String.valueOf(e.getValue())));
    Path data = Files.createTempDirectory("herald-fuzz");
    int port = NodeProcess.freePort();
    Vertx vertx = Vertx.vertx();
    boolean ok = true;
    try (NodeProcess node = NodeProcess.start(port, env, data)) {
      long rssBefore = rssKb(node.pid());
      Fuzz.Stats stats = new Fuzz.Stats();
      AtomicBoolean failed = new AtomicBoolean();
      long start = System.nanoTime();
      try (Fuzz.WellBehaved subscriber = new Fuzz.WellBehaved(vertx, port)) {
        // jqwik's samples, generated on this thread only (generation outside a property is not
        // thread-safe), handed to the workers
        java.util.concurrent.BlockingQueue<Fuzz.Action> queue =
            new java.util.concurrent.ArrayBlockingQueue<>(256);
        java.util.Iterator<Fuzz.Action> actions = Fuzz.action().sampleStream().iterator();
        Thread[] workers = new Thread[threads];
        Fuzz.Runner[] runners = new Fuzz.Runner[threads];
        for (int t = 0; t < threads; t++) {
          Fuzz.Runner runner = new Fuzz.Runner(port, stats);
          runners[t] = runner;
          workers[t] =
              new Thread(
                  () -> {
                    try {
                      while (stats.messages.sum() < target && !failed.get()) {
                        Fuzz.Action action = queue.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                        if (action != null) {
                          runner.play(action);
                        }
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } catch (RuntimeException | AssertionError e) {
                      failed.set(true);
                      e.printStackTrace();
                    }
                  },
                  "fuzz-" + t);
          workers[t].start();
        }
        long lastReport = System.nanoTime();
        while (java.util.Arrays.stream(workers).anyMatch(Thread::isAlive)) {
          queue.offer(actions.next(), 200, java.util.concurrent.TimeUnit.MILLISECONDS);
          if (System.nanoTime() - lastReport > 10_000_000_000L) {
            lastReport = System.nanoTime();
            System.out.printf(
                "  ... %,d messages, %,d connections, %,d well-behaved events%n",
                stats.messages.sum(), stats.connections.sum(), subscriber.received.get());
          }
        }
        for (Fuzz.Runner runner : runners) {
          runner.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long receivedBefore = subscriber.received.get();
        String leftovers = null;
        try {
          TestNodes.eventually(
              30_000,
              "nothing left behind",
              () -> {
                JsonObject status = node.status();
                return status.getInteger("connections") == 1
                    && status.getInteger("subscriptions") == 1
                    && status.getInteger("sources") == 0
                    && status.getInteger("calls_in_flight") == 0;
              });
        } catch (AssertionError e) {
          leftovers = node.status().encode();
        }
        TestNodes.eventually(
            5000,
            "the subscriber still receives",
            () -> subscriber.received.get() > receivedBefore);
        String pong;
        try (WsClient probe = WsClient.connect(vertx, port)) {
          pong = probe.call("core.ping", new JsonArray()).getString("result");
        }
        System.gc();
        long rssAfter = rssKb(node.pid());
        System.out.println();
        System.out.printf("Herald fuzz run, %d client threads%n", threads);
        System.out.printf(
            "  messages sent        %,d (%,d frames) in %.1f s: %,.0f messages/s%n",
            stats.messages.sum(), stats.frames.sum(), seconds, stats.messages.sum() / seconds);
        System.out.printf("  connections          %,d%n", stats.connections.sum());
        System.out.printf("  replies read         %,d%n", stats.replies.sum());
        System.out.println("  errors and ends by kind:");
        stats.kinds().forEach((k, v) -> System.out.printf("    %-60s %,d%n", k, v));
        System.out.printf(
            "  well-behaved subscriber: %,d events received, %,d lost, %,d out of order, %s%n",
            subscriber.received.get(),
            subscriber.lost.get(),
            subscriber.outOfOrder.get(),
            subscriber.closed() == null ? "never closed" : "CLOSED " + subscriber.closed());
        System.out.printf(
            "  node RSS             %,d kB before, %,d kB after%n", rssBefore, rssAfter);
        System.out.println("  /api/status after    " + node.status().encode());
        System.out.println("  core.ping after      " + pong);
        ok =
            !failed.get()
                && subscriber.lost.get() == 0
                && subscriber.outOfOrder.get() == 0
                && subscriber.closed() == null
                && leftovers == null
                && "pong".equals(pong)
                && !stats.kinds().containsKey("slow handshake NOT closed in 30 s");
        if (leftovers != null) {
          System.out.println("  LEFT BEHIND: " + leftovers);
        }
        System.out.println(ok ? "OK" : "FAILED");
        List<String> errors =
            Files.readAllLines(node.log).stream().filter(l -> l.contains("ERROR")).toList();
        System.out.printf("  node log: %,d ERROR lines%n", errors.size());
        errors.stream().limit(5).forEach(l -> System.out.println("    " + l));
      }
    } finally {
      vertx.close();
    }
    System.exit(ok ? 0 : 1);
  }

  private static long rssKb(long pid) throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}

package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What recording costs the publish path, in a two-node cluster (one JVM, loopback): throughput of a
 * burst published by node 0 until node 1 received all of it, and the latency of one publication
 * (publish → node 1's consumer), for an event without history and one with. Prints the figures;
 * asserts only that everything arrived, in order.
 *
 * <p>Recording is off the publish path (publish, then record in the background): the figures of the
 * two events should match, within the noise of a shared machine; the burst's recording finishes a
 * little after its delivery.
 */
class HistoryCostIT {

  private static final EventDescriptor PLAIN = EventDescriptor.broadcast("cost.plain").build();
  private static final EventDescriptor KEPT =
      EventDescriptor.broadcast("cost.kept").history(1000, 60_000).build();
  private static final int BURST = 20_000;
  private static final int ROUNDS = 500;

  @Test
  void figures() {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node n0 = cluster.start();
      Node n1 = cluster.start();
      for (Node node : new Node[] {n0, n1}) {
        TestNodes.await(node.registerEvent(PLAIN));
        TestNodes.await(node.registerEvent(KEPT));
      }
      Context publisher = cluster.vertx(0).getOrCreateContext();
      for (int pass = 0; pass < 2; pass++) {
        for (EventDescriptor event : new EventDescriptor[] {PLAIN, KEPT}) {
          double rate = burst(n0, n1, publisher, event);
          double[] latency = latency(n0, n1, publisher, event);
          System.out.printf(
              "HistoryCostIT %s%s: burst %,.0f msg/s; latency median %.2f ms, p99 %.2f ms%n",
              event.name(), pass == 0 ? " (warm-up)" : "", rate, latency[0], latency[1]);
        }
      }
    }
  }

  /** Publishes BURST messages as fast as node 0 takes them; msg/s until node 1 has them all. */
  private static double burst(Node n0, Node n1, Context publisher, EventDescriptor event) {
    AtomicInteger received = new AtomicInteger();
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicReference<Long> last = new AtomicReference<>(0L);
    Promise<Void> all = Promise.promise();
    var registration =
        TestNodes.await(
            n1.consume(
                event.name(),
                p -> {
                  if (p.position().offset() <= last.get()) {
                    outOfOrder.incrementAndGet();
                  }
                  last.set(p.position().offset());
                  if (received.incrementAndGet() == BURST) {
                    all.tryComplete();
                  }
                }));
    waitUntilReachable(n0, n1, publisher, event, received);
    received.set(0);
    long start = System.nanoTime();
    TestNodes.run(
        publisher,
        () -> {
          for (int i = 0; i < BURST; i++) {
            n0.publish(event.name(), EventMessage.added(i, new JsonObject().put("i", i)));
          }
        });
    TestNodes.await(all.future());
    double seconds = (System.nanoTime() - start) / 1e9;
    if (event.keepsHistory()) {
      TestNodes.await(n0.history().flush(event.name()));
      System.out.printf(
          "HistoryCostIT %s: the burst was all recorded %.0f ms after it started%n",
          event.name(), (System.nanoTime() - start) / 1e6);
    }
    registration.unregister();
    assertEquals(0, outOfOrder.get(), "in order");
    return BURST / seconds;
  }

  /** One publication at a time: publish → received on node 1, median and 99th percentile (ms). */
  private static double[] latency(Node n0, Node n1, Context publisher, EventDescriptor event) {
    AtomicReference<Promise<Void>> next = new AtomicReference<>();
    AtomicInteger received = new AtomicInteger();
    var registration =
        TestNodes.await(
            n1.consume(
                event.name(),
                p -> {
                  received.incrementAndGet();
                  Promise<Void> waiting = next.get();
                  if (waiting != null) {
                    waiting.tryComplete();
                  }
                }));
    waitUntilReachable(n0, n1, publisher, event, received);
    double[] ms = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      Promise<Void> arrived = Promise.promise();
      next.set(arrived);
      long start = System.nanoTime();
      int n = i;
      TestNodes.run(
          publisher, () -> n0.publish(event.name(), EventMessage.added(n, new JsonObject())));
      TestNodes.await(arrived.future());
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    registration.unregister();
    Arrays.sort(ms);
    return new double[] {ms[ROUNDS / 2], ms[ROUNDS * 99 / 100]};
  }

  /** Publishes until one publication reaches node 1's new consumer. */
  private static void waitUntilReachable(
      Node n0, Node n1, Context publisher, EventDescriptor event, AtomicInteger received) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.get() == 0 && System.currentTimeMillis() < deadline) {
      TestNodes.run(
          publisher, () -> n0.publish(event.name(), EventMessage.added(-1, new JsonObject())));
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    TestNodes.eventually(1_000, "reachable", () -> received.get() > 0);
  }
}

package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * This node is probed like any other: its own publications reach a new consumer only once its view
 * of the address names it (see the class comment of {@link Reachability}).
 */
class ReachabilityTest {

  private static final String SELF = "self-node";
  private static final String ADDRESS = "test.reach";

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    TestNodes.await(vertx.close());
  }

  /** Confirms ADDRESS for a consumer that hands probes to Reachability only when told to. */
  private long confirmMs(boolean probesArrive) {
    TestNodes.await(Reachability.serve(vertx, SELF).completion());
    Context context = vertx.getOrCreateContext();
    Reachability reachability = new Reachability(vertx, () -> List.of(SELF), 100, 3);
    AtomicInteger probes = new AtomicInteger();
    // The consumer and confirm on one context, as Reachability requires.
    Future<Void> confirmed =
        Future.future(
            p ->
                context.runOnContext(
                    v ->
                        vertx
                            .eventBus()
                            .consumer(
                                ADDRESS,
                                msg -> {
                                  String token = msg.headers().get(Addresses.PROBE_HEADER);
                                  probes.incrementAndGet();
                                  if (probesArrive) {
                                    reachability.onProbe(token);
                                  }
                                })
                            .completion()
                            .compose(registered -> reachability.confirm(ADDRESS))
                            .onComplete(p)));
    long start = System.nanoTime();
    TestNodes.await(confirmed);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(probes.get() >= 1, "this node published a probe to the address");
    if (!probesArrive) {
      assertEquals(3, probes.get(), "asked three times");
    }
    return ms;
  }

  @Test
  void thisNodeIsProbedAndReadyWaitsForItsProbe() {
    long ms = confirmMs(true);
    assertTrue(ms < 1_000, "confirmed by the probe, in " + ms + " ms");
  }

  @Test
  void aProbeThatNeverArrivesIsAskedForAgainThenGoneWithout() {
    long ms = confirmMs(false);
    assertTrue(ms >= 290, "waited for three attempts: " + ms + " ms");
  }
}

package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Reachability;
import io.herald.cluster.Membership;
import io.herald.event.EventRegistry;
import io.herald.status.NodeStats;
import io.herald.subscription.SubscriptionHub;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The warm-up runs the real fan-out (bus consumer, hub, outbound, shared frames over loopback
 * websockets), within its budget, and leaves nothing behind: no bus consumer, no open socket.
 */
@ExtendWith(VertxExtension.class)
class DeliveryWarmupTest {

  @Test
  void aWarmupFansOutWithinItsBudgetAndReleasesEverything(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    NodeStats stats = new NodeStats();
    EventRegistry registry = new EventRegistry(vertx, Membership.standalone(vertx));
    registry.start().await();
    SubscriptionHub hub =
        new SubscriptionHub(
            vertx, context, registry, stats, 0, new Reachability(vertx, List::of, 100, 1));
    DeliveryWarmup.Report report = DeliveryWarmup.run(vertx, context, hub, "a-b", 1500).await();
    assertTrue(report.ms() >= DeliveryWarmup.MIN_MS || !report.quiet(), report.toString());
    assertTrue(report.ms() < 1500 + 1000, "the budget bounds it: " + report);
    assertTrue(report.events() > 100, "events published: " + report);
    assertEquals(report.events() * DeliveryWarmup.SOCKETS, report.frames(), report.toString());
    assertEquals(0, stats.busConsumers.get(), "the hub's consumer of the warm-up event is gone");
    assertEquals(0, stats.connections.get(), "the warm-up's sockets are not client connections");
  }

  @Test
  void noBudgetNoWarmup(Vertx vertx) {
    DeliveryWarmup.Report report =
        DeliveryWarmup.run(vertx, vertx.getOrCreateContext(), null, "n", 0).await();
    assertEquals(new DeliveryWarmup.Report(0, 0, 0, false), report);
  }
}

package io.herald.status;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's live counts, served by {@code GET /api/status}. Updated from every bridge instance.
 */
public final class NodeStats {

  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger subscriptions = new AtomicInteger();
  public final AtomicInteger busConsumers = new AtomicInteger();
  public final AtomicInteger sources = new AtomicInteger();
  public final AtomicInteger callsInFlight = new AtomicInteger();

  /** Open websockets per client address, and the upgrades refused for it. */
  public final AddressCounts byAddress = new AddressCounts();

  public JsonObject toJson() {
    return new JsonObject()
        .put("connections", connections.get())
        .put("subscriptions", subscriptions.get())
        .put("bus_consumers", busConsumers.get())
        .put("sources", sources.get())
        .put("calls_in_flight", callsInFlight.get())
        .put("connections_refused_per_address", byAddress.refused.get());
  }
}

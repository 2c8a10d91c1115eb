package io.herald.status;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's live counts, served by {@code GET /api/status} and, with more detail, by {@code GET
 * /metrics} (io.herald.ops.HeraldMetrics). Updated from every bridge instance.
 */
public final class NodeStats {

  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger subscriptions = new AtomicInteger();
  public final AtomicInteger busConsumers = new AtomicInteger();
  public final AtomicInteger sources = new AtomicInteger();
  public final AtomicInteger callsInFlight = new AtomicInteger();

  /** Open websockets per client address, and the upgrades refused for it. */
  public final AddressCounts byAddress = new AddressCounts();

  /** Open websockets at the legacy endpoint ({@code /websocket}). */
  public final AtomicInteger legacyConnections = new AtomicInteger();

  /** Open websockets at the JSON-RPC endpoint ({@code /api/current}). */
  public final AtomicInteger jsonRpcConnections = new AtomicInteger();

  /** Frames written to a socket (events and answers). */
  public final LongAdder delivered = new LongAdder();

  /** Waiting frames replaced in place by a newer one with the same coalescing key. */
  public final LongAdder coalesced = new LongAdder();

  /** Frames never written: discarded when their connection overflowed or closed. */
  public final LongAdder dropped = new LongAdder();

  /** Bytes of the frames waiting for a slow socket, on every connection. */
  public final AtomicLong queuedBytes = new AtomicLong();

  /** Live subscriptions per event name ({@code *} for the wildcard), without the argument. */
  private final ConcurrentHashMap<String, AtomicInteger> byEvent = new ConcurrentHashMap<>();

  /** What is observed as it happens rather than counted here; set by the node. */
  public volatile Observer observer = Observer.NONE;

  /** Events of the connections that are more than a count: recorded by the node's metrics. */
  public interface Observer {
    /**
     * A method call ended after {@code nanos}; {@code failure} is null when it succeeded.
     *
     * @param method the name the client called (not yet bounded)
     */
    default void called(String method, Throwable failure, long nanos) {}

    /** A websocket closed with {@code code}; null when it ended without a close frame. */
    default void disconnected(Integer code) {}

    Observer NONE = new Observer() {};
  }

  /** A subscription to {@code name} ({@code event}, {@code event:arg} or {@code *}) is live. */
  public void subscribed(String name) {
    subscriptions.incrementAndGet();
    byEvent.computeIfAbsent(eventOf(name), e -> new AtomicInteger()).incrementAndGet();
  }

  /** A subscription to {@code name} ended. */
  public void unsubscribed(String name) {
    subscriptions.decrementAndGet();
    byEvent.computeIfPresent(eventOf(name), (e, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** The live subscriptions of {@code event} ({@code *}: the wildcard's). */
  public int subscriptions(String event) {
    AtomicInteger n = byEvent.get(event);
    return n == null ? 0 : n.get();
  }

  /** Live subscriptions per event name, a copy. */
  public Map<String, Integer> subscriptionsByEvent() {
    Map<String, Integer> copy = new java.util.HashMap<>();
    byEvent.forEach((e, n) -> copy.put(e, n.get()));
    return copy;
  }

  private static String eventOf(String name) {
    int colon = name.indexOf(':');
    return colon < 0 ? name : name.substring(0, colon);
  }

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

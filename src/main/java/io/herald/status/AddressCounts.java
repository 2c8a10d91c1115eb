package io.herald.status;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's open websockets per client address ({@code limits.max-connections-per-address}),
 * shared by every bridge instance of the node: one more upgrade from an address at the limit is
 * refused (HTTP 429) before a websocket exists.
 */
public final class AddressCounts {

  private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

  /** Upgrades refused because their address was at the limit, since the node started. */
  public final AtomicInteger refused = new AtomicInteger();

  /**
   * Takes one connection for {@code address} unless it already has {@code limit}; each success must
   * be {@link #release}d once.
   */
  public boolean tryAcquire(String address, int limit) {
    boolean[] taken = {false};
    open.compute(
        address,
        (a, count) -> {
          AtomicInteger c = count == null ? new AtomicInteger() : count;
          if (c.get() < limit) {
            c.incrementAndGet();
            taken[0] = true;
          }
          return c.get() == 0 ? null : c;
        });
    if (!taken[0]) {
      refused.incrementAndGet();
    }
    return taken[0];
  }

  public void release(String address) {
    open.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  /** The open connections of {@code address}. */
  public int open(String address) {
    AtomicInteger count = open.get(address);
    return count == null ? 0 : count.get();
  }

  /** How many addresses have an open connection. */
  public int addresses() {
    return open.size();
  }
}

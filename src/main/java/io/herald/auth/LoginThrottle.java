package io.herald.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed logins per client address on this node: at most {@code maxFailures} in any {@code
 * windowMs}; past that, further attempts from the address are refused without checking the secret
 * until the oldest failure leaves the window. Thread-safe; remembers at most {@code MAX_ADDRESSES}
 * addresses (the least recently failing are forgotten first).
 */
public final class LoginThrottle {

  private static final int MAX_ADDRESSES = 10_000;

  private final int maxFailures;
  private final long windowMs;
  private final LongSupplier clock;
  private final Map<String, Deque<Long>> failures =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
          return size() > MAX_ADDRESSES;
        }
      };

  /**
   * @param clock milliseconds
   */
  public LoginThrottle(int maxFailures, long windowMs, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
    this.clock = clock;
  }

  /** Whether an attempt from {@code address} may be checked now. */
  public synchronized boolean allows(String address) {
    Deque<Long> times = failures.get(address);
    if (times == null) {
      return true;
    }
    expire(times);
    return times.size() < maxFailures;
  }

  public synchronized void failed(String address) {
    Deque<Long> times = failures.computeIfAbsent(address, a -> new ArrayDeque<>());
    expire(times);
    times.addLast(clock.getAsLong());
    while (times.size() > maxFailures) {
      times.removeFirst();
    }
  }

  private void expire(Deque<Long> times) {
    long oldest = clock.getAsLong() - windowMs;
    while (!times.isEmpty() && times.peekFirst() <= oldest) {
      times.removeFirst();
    }
  }
}

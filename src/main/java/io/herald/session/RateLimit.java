package io.herald.session;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One connection's message budget: a token bucket of {@code burst} tokens refilled at {@code
 * perSecond}. A message without a token is refused (answered by {@link #refusal}, not handled); a
 * connection that keeps being refused — no second without a refusal — for {@code closeAfter} is
 * {@link #persistent} and is closed with 4008. Confined to the connection's event loop.
 */
final class RateLimit {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final double perNano;
  private final int perSecond;
  private final int burst;
  private final long closeAfterNanos;
  private final LongSupplier clock;
  private double tokens;
  private long refilledAt;
  private long streakStart = -1;
  private long lastRefusal;

  /**
   * @param clock monotonic nanoseconds
   */
  RateLimit(int perSecond, int burst, long closeAfterMs, LongSupplier clock) {
    this.perSecond = perSecond;
    this.perNano = perSecond / (double) SECOND;
    this.burst = burst;
    this.closeAfterNanos = TimeUnit.MILLISECONDS.toNanos(closeAfterMs);
    this.clock = clock;
    this.tokens = burst;
    this.refilledAt = clock.getAsLong();
  }

  static RateLimit of(io.herald.config.Settings settings, LongSupplier clock) {
    return new RateLimit(
        settings.messagesPerSecond(),
        settings.messageBurst(),
        settings.rateLimitCloseAfterMs(),
        clock);
  }

  /** Takes a token for one message; false when the budget is spent (the message is refused). */
  boolean admit() {
    long now = clock.getAsLong();
    tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    if (streakStart < 0 || now - lastRefusal > SECOND) {
      streakStart = now;
    }
    lastRefusal = now;
    return false;
  }

  /** Whether the connection has been refused messages, without a second's pause, long enough. */
  boolean persistent() {
    return streakStart >= 0 && lastRefusal - streakStart >= closeAfterNanos;
  }

  /** Why a message was refused. */
  String reason() {
    return "Rate limit exceeded: at most "
        + perSecond
        + " messages per second (bursts of "
        + burst
        + "); this message was not handled";
  }
}

package io.herald.util;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A budget of log lines for what clients control: at most {@code lines} per {@code window}; the
 * lines past it are counted, not written, and the next line written says how many were left out.
 * Hostile input (malformed messages, refused logins, floods) goes through {@link #HOSTILE}, shared
 * by the whole process: a client sending thousands of bad messages, from one connection or many,
 * costs a bounded number of lines. Thread-safe.
 */
public final class LogLimiter {

  /** Lines about client input: 20 per 10 s per process. */
  public static final LogLimiter HOSTILE =
      new LogLimiter(20, TimeUnit.SECONDS.toNanos(10), System::nanoTime);

  private final int lines;
  private final long windowNanos;
  private final LongSupplier clock;
  private long windowStart;
  private int used;
  private long suppressed;

  /**
   * @param clock nanoseconds, monotonic
   */
  public LogLimiter(int lines, long windowNanos, LongSupplier clock) {
    this.lines = lines;
    this.windowNanos = windowNanos;
    this.clock = clock;
    this.windowStart = clock.getAsLong();
  }

  /**
   * Takes one line of the budget: null when the line must not be written, else the note to append
   * to it ("" or " (N similar lines suppressed)").
   */
  public synchronized String acquire() {
    long now = clock.getAsLong();
    if (now - windowStart >= windowNanos) {
      windowStart = now;
      used = 0;
    }
    if (used >= lines) {
      suppressed++;
      return null;
    }
    used++;
    String note = suppressed == 0 ? "" : " (" + suppressed + " similar lines suppressed)";
    suppressed = 0;
    return note;
  }

  /** {@code text} cut to at most {@code max} characters, marked when cut: client text in a log. */
  public static String clip(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max) + "...(" + text.length() + " chars)";
  }
}

package io.herald.jobs;

/**
 * Decides when a job's progress is worth an event: when the integer percent or the description
 * changed, and not sooner than {@code intervalMs} after the previous progress event. A change that
 * comes too soon is sent by a trailing timer, so the latest values always go out.
 */
final class ProgressThrottle {

  private final long intervalMs;
  private long lastEmitMs = Long.MIN_VALUE / 2;
  private Long emittedWholePercent;
  private String emittedDescription;
  long trailingTimer = -1;

  ProgressThrottle(long intervalMs) {
    this.intervalMs = intervalMs;
  }

  /**
   * Whether {@code percent}/{@code description} differ from what clients last saw in a way worth an
   * event.
   */
  boolean significant(Number percent, String description) {
    Long whole = percent == null ? null : (long) Math.floor(percent.doubleValue());
    return !java.util.Objects.equals(whole, emittedWholePercent)
        || !java.util.Objects.equals(description, emittedDescription);
  }

  /** Milliseconds to wait before the next progress event may go out; 0 means now. */
  long delay(long nowMs) {
    return Math.max(0, lastEmitMs + intervalMs - nowMs);
  }

  void emitted(long nowMs, Number percent, String description) {
    lastEmitMs = nowMs;
    emittedWholePercent = percent == null ? null : (long) Math.floor(percent.doubleValue());
    emittedDescription = description;
  }
}

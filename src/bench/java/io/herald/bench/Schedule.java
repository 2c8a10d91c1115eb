package io.herald.bench;

import io.vertx.core.Vertx;

/**
 * An open-loop publishing schedule: event i is due at {@code start + i / rate}; whenever the timer
 * fires, every event already due is published with its <em>intended</em> time, however late the
 * timer was. A slow server therefore shows up as latency, not as a lower offered rate (no
 * coordinated omission). Runs on the caller's context; a new run supersedes the previous one.
 */
public final class Schedule {

  /** Publishes one event. */
  public interface Publisher {
    void publish(long run, long seq, long intendedNanos);
  }

  private final Vertx vertx;
  private final Publisher publisher;
  private long currentRun = -1;
  private long published;

  public Schedule(Vertx vertx, Publisher publisher) {
    this.vertx = vertx;
    this.publisher = publisher;
  }

  /** Publishes {@code rate} events a second for {@code ms} milliseconds, starting now. */
  public void start(long run, double rate, long ms) {
    currentRun = run;
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + ms * 1_000_000L;
    tick(run, start, period, end, 0);
  }

  private void tick(long run, long due, long period, long end, long seq) {
    if (run != currentRun) {
      return;
    }
    long now = System.nanoTime();
    while (due <= now && due < end) {
      publisher.publish(run, seq++, due);
      published++;
      due += period;
    }
    if (due < end) {
      long delayMs = Math.max(1, (due - System.nanoTime() + 999_999) / 1_000_000);
      long nextDue = due;
      long nextSeq = seq;
      vertx.setTimer(delayMs, id -> tick(run, nextDue, period, end, nextSeq));
    }
  }

  public long published() {
    return published;
  }
}

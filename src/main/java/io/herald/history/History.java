package io.herald.history;

import io.herald.EventDescriptor;
import io.herald.StreamPosition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history of the broadcast events that keep one ({@link EventDescriptor#keepsHistory}): every
 * publication of this node is recorded — its position, frame and owner — before it is published, so
 * that a client that reconnects, to any node, can be given what it missed ({@link #since}).
 *
 * <p><b>Record, then publish.</b> A publication reaches the event bus only once it is stored
 * (replicated, in a cluster): no client can have seen a publication the history lacks, and a
 * subscription that reads the history after its consumer is reachable from every node misses
 * nothing between the two (what was published before is recorded before). The cost is the store's
 * round trip added to the delivery of these events; throughput does not suffer, as each event
 * appends in batches, one in flight at a time: what is published meanwhile goes in the next batch.
 * A batch not stored within {@link #APPEND_TIMEOUT_MS} (the store is unreachable, a crashed
 * member's partitions are moving) is published anyway: live delivery wins, and the history has a
 * gap there (a recovery across it says {@code recovered: false}).
 *
 * <p>Appends run on one context of their own, so publications of an event are recorded and then
 * published in the order {@link #record} was called; the bus publications of recorded events leave
 * from that context, and {@link #record}'s future completes there.
 */
public final class History {

  private static final Logger LOG = LoggerFactory.getLogger(History.class);

  /** How long a batch may take to be stored before it is published without. */
  public static final long APPEND_TIMEOUT_MS = 3_000;

  /** The most publications in one append (Hazelcast's ringbuffer takes at most 1000). */
  static final int MAX_BATCH = 1000;

  private final Vertx vertx;
  private final Context context;
  private final HistoryLogs logs;
  private final Recoverer recoverer;
  private final LongSupplier clock;
  private final long appendTimeoutMs;
  private final Map<String, Appender> appenders = new HashMap<>();
  private final AtomicLong recorded = new AtomicLong();
  private final AtomicLong unrecorded = new AtomicLong();
  private long lastWarning;

  /**
   * @param clock the time stamped on each publication and against which ages are measured (ms)
   */
  public History(Vertx vertx, HistoryLogs logs, LongSupplier clock) {
    this(vertx, logs, clock, APPEND_TIMEOUT_MS);
  }

  History(Vertx vertx, HistoryLogs logs, LongSupplier clock, long appendTimeoutMs) {
    this.appendTimeoutMs = appendTimeoutMs;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.logs = logs;
    this.recoverer = new Recoverer(logs);
    this.clock = clock;
  }

  /**
   * Records a publication of {@code event} (which keeps a history) at {@code position} (this node's
   * epoch), then runs {@code publish}. Publications are recorded and published in the order of the
   * calls. The future completes once {@code publish} has run — also when recording failed or timed
   * out (it is counted in {@link #unrecorded()} and logged).
   */
  public Future<Void> record(
      EventDescriptor event,
      StreamPosition position,
      String frame,
      String owner,
      Runnable publish) {
    Promise<Void> done = Promise.promise();
    Pending pending =
        new Pending(new HistoryEntry(position.offset(), clock.getAsLong(), owner, frame), publish);
    pending.done = done;
    context.runOnContext(
        v ->
            appenders
                .computeIfAbsent(event.name(), n -> new Appender(event, position.epoch()))
                .add(pending));
    return done.future();
  }

  /**
   * What a client at {@code since} missed of {@code event}: the publications after it still in the
   * history, whether that is all it missed, and the positions to join the live stream from. Read it
   * once the subscription's consumer is reachable from every node (the subscription's {@code ready}
   * condition), holding the live messages meanwhile (a {@code CatchUp}): together they are then
   * gap-free and duplicate-free. An event without a history recovers nothing ({@code recovered}
   * false). Runs on a worker thread.
   */
  public Future<Recovery> since(EventDescriptor event, HistoryPosition since) {
    if (!event.keepsHistory()) {
      return Future.succeededFuture(new Recovery(List.of(), false, since));
    }
    return vertx.executeBlocking(
        () -> recoverer.since(event.name(), event.historyTtlMs(), since, clock.getAsLong()), false);
  }

  /**
   * The latest recorded offset of every node's publications of {@code event}: the position of a
   * client that subscribes now and has seen nothing (what it receives live moves it on). Empty for
   * an event without a history. Runs on a worker thread.
   */
  public Future<HistoryPosition> current(EventDescriptor event) {
    if (!event.keepsHistory()) {
      return Future.succeededFuture(HistoryPosition.EMPTY);
    }
    return vertx.executeBlocking(() -> recoverer.current(event.name()), false);
  }

  /** Publications recorded by this node. */
  public long recorded() {
    return recorded.get();
  }

  /** Publications this node published without recording them (the store failed or was slow). */
  public long unrecorded() {
    return unrecorded.get();
  }

  private static final class Pending {
    final HistoryEntry entry;
    final Runnable publish;
    Promise<Void> done;

    Pending(HistoryEntry entry, Runnable publish) {
      this.entry = entry;
      this.publish = publish;
    }
  }

  /** One event's appends: one batch in flight, the rest queued. Confined to the context. */
  private final class Appender {
    private final EventDescriptor event;
    private final String epoch;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean busy;

    Appender(EventDescriptor event, String epoch) {
      this.event = event;
      this.epoch = epoch;
    }

    void add(Pending pending) {
      queue.add(pending);
      if (!busy) {
        next();
      }
    }

    private void next() {
      if (queue.isEmpty()) {
        busy = false;
        return;
      }
      busy = true;
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
      while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
        batch.add(queue.poll());
      }
      List<HistoryEntry> entries = batch.stream().map(p -> p.entry).toList();
      boolean[] finished = new boolean[1];
      long timer =
          vertx.setTimer(
              appendTimeoutMs,
              t -> finish(batch, finished, "not stored within " + appendTimeoutMs + " ms"));
      Future<Void> append;
      try {
        append =
            logs.append(event.name(), epoch, event.historySize(), event.historyTtlMs(), entries);
      } catch (RuntimeException e) {
        append = Future.failedFuture(e);
      }
      append.onComplete(
          ar ->
              context.runOnContext(
                  v -> {
                    vertx.cancelTimer(timer);
                    finish(batch, finished, ar.succeeded() ? null : ar.cause().toString());
                  }));
    }

    /** Publishes the batch, once: stored, or given up on ({@code failure}). */
    private void finish(List<Pending> batch, boolean[] finished, String failure) {
      if (finished[0]) {
        return;
      }
      finished[0] = true;
      if (failure == null) {
        recorded.addAndGet(batch.size());
      } else {
        unrecorded.addAndGet(batch.size());
        long now = System.currentTimeMillis();
        if (now - lastWarning > 10_000) {
          lastWarning = now;
          LOG.warn(
              "{} publication(s) of '{}' published without being kept in its history: {}",
              batch.size(),
              event.name(),
              failure);
        }
      }
      for (Pending pending : batch) {
        try {
          pending.publish.run();
          pending.done.complete();
        } catch (RuntimeException e) {
          pending.done.fail(e);
        }
      }
      next();
    }
  }
}

package io.herald.history;

import io.herald.EventDescriptor;
import io.herald.StreamPosition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history of the broadcast events that keep one ({@link EventDescriptor#keepsHistory}): every
 * publication of this node — its position, frame and owner — is recorded, so that a client that
 * reconnects, to any node, can be given what it missed ({@link #since}).
 *
 * <p><b>Publish, then record.</b> A publication goes on the event bus at once, as any other, and is
 * recorded in the background: the publish path is not slowed, and the delivery of live messages
 * (and the snapshots that rely on their timing) is as without a history. Each event appends in
 * batches, one in flight at a time: what is published meanwhile goes in the next batch, in order. A
 * batch not stored within {@link #APPEND_TIMEOUT_MS} (the store is unreachable) is given up: the
 * history has a gap there, which a recovery across it reports ({@code recovered: false}). The store
 * may still take it later (Hazelcast retries it), out of place: readers allow for that. At most
 * {@link #MAX_QUEUED} publications wait per event; the oldest beyond are given up too.
 *
 * <p><b>The barrier.</b> A publication can be on the bus before it is recorded, so a recovery first
 * asks every node to finish recording what it has published ({@link #flush}, served to the other
 * nodes by {@link #serve}), and only then reads: what was published before the reader's
 * subscription could receive it is then in the history. Each node answers with the offset of its
 * last publication before the question, once that is stored or after {@link #FLUSH_WAIT_MS},
 * whichever comes first: the reader counts whatever it does not find up to there as missed ({@code
 * recovered: false}), given up or still on its way — it is never skipped silently. A node that does
 * not answer within {@link #FLUSH_TIMEOUT_MS} (dead, stopped) is not waited for: its last
 * publications before it died may be missing from the history, unreported.
 *
 * <p>Appends run on one context of their own.
 */
public final class History {

  private static final Logger LOG = LoggerFactory.getLogger(History.class);

  /**
   * How long a batch may take to be stored before it is given up: longer than the cluster takes to
   * find a member dead (10 s without a heartbeat) and to hand its partitions over, during which
   * appends to them wait (measured: up to 6 s after a {@code kill -9} on a loaded host, over 10 s
   * for a member stopped with SIGSTOP).
   */
  public static final long APPEND_TIMEOUT_MS = 15_000;

  /**
   * How long a node's {@link #flush} waits for its publications to be stored before it answers
   * anyway: long enough for a member's failover (above), so that a recovery during one is complete.
   */
  public static final long FLUSH_WAIT_MS = 10_000;

  /** How long a recovery waits for another node's answer to {@link #flush}. */
  public static final long FLUSH_TIMEOUT_MS = FLUSH_WAIT_MS + 2_000;

  /** The most publications of one event waiting to be recorded on a node. */
  public static final int MAX_QUEUED = 100_000;

  /** The most publications in one append (Hazelcast's ringbuffer takes at most 1000). */
  static final int MAX_BATCH = 1000;

  private final Vertx vertx;
  private final Context context;
  private final HistoryLogs logs;
  private final Recoverer recoverer;
  private final LongSupplier clock;
  private final long appendTimeoutMs;
  private final long flushWaitMs;
  private final Supplier<List<String>> others;
  private final Function<String, String> flushAddress;
  private final Map<String, Appender> appenders = new HashMap<>();
  private final AtomicLong recorded = new AtomicLong();
  private final AtomicLong unrecorded = new AtomicLong();
  private long lastWarning;

  /**
   * @param others the ids of the other nodes, asked to flush before a recovery reads
   * @param flushAddress where node {@code id} serves {@link #serve}
   * @param clock the time stamped on each publication and against which ages are measured (ms)
   */
  public History(
      Vertx vertx,
      HistoryLogs logs,
      Supplier<List<String>> others,
      Function<String, String> flushAddress,
      LongSupplier clock) {
    this(vertx, logs, others, flushAddress, clock, APPEND_TIMEOUT_MS, FLUSH_WAIT_MS);
  }

  History(
      Vertx vertx,
      HistoryLogs logs,
      Supplier<List<String>> others,
      Function<String, String> flushAddress,
      LongSupplier clock,
      long appendTimeoutMs,
      long flushWaitMs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.logs = logs;
    this.recoverer = new Recoverer(logs);
    this.others = others;
    this.flushAddress = flushAddress;
    this.clock = clock;
    this.appendTimeoutMs = appendTimeoutMs;
    this.flushWaitMs = flushWaitMs;
  }

  /**
   * Records a publication of {@code event} (which keeps a history) at {@code position} (this node's
   * epoch), already published. Publications are recorded in the order of the calls. The future
   * completes once it is stored, or fails when it was given up (counted in {@link #unrecorded()}).
   */
  public Future<Void> record(
      EventDescriptor event, StreamPosition position, String frame, String owner) {
    Promise<Void> done = Promise.promise();
    HistoryEntry entry = new HistoryEntry(position.offset(), clock.getAsLong(), owner, frame);
    context.runOnContext(v -> appender(event, position.epoch()).add(entry, done));
    return done.future();
  }

  /**
   * The position of the last publication of {@code event} this node recorded before the call (null
   * when it recorded none), once every publication up to it is stored or given up, or after {@link
   * #FLUSH_WAIT_MS} when some are not yet: each one not found in the history is then missed.
   */
  public Future<StreamPosition> flush(String event) {
    Promise<StreamPosition> done = Promise.promise();
    context.runOnContext(
        v -> {
          Appender appender = appenders.get(event);
          if (appender == null) {
            done.complete();
          } else {
            appender.flush(done);
          }
        });
    return done.future();
  }

  /**
   * Serves {@link #flush} to the other nodes at {@code address}: {@code {"event"}} → {@code
   * {"position"?: "<epoch>@<offset>"}}.
   */
  public MessageConsumer<JsonObject> serve(String address) {
    return vertx
        .eventBus()
        .consumer(
            address,
            msg ->
                flush(msg.body().getString("event"))
                    .onComplete(
                        ar -> {
                          JsonObject reply = new JsonObject();
                          if (ar.result() != null) {
                            reply.put("position", ar.result().toString());
                          }
                          msg.reply(reply);
                        }));
  }

  /**
   * What a client at {@code since} missed of {@code event}: the publications after it still in the
   * history, whether that is all it missed, and the positions to join the live stream from. Call it
   * once the subscription's consumer is reachable from every node (the subscription's {@code ready}
   * condition), holding the live messages meanwhile (a {@code CatchUp}): together they are then
   * gap-free and duplicate-free. Every node is asked to finish recording first (see the class
   * comment), then the history is read on a worker thread. An event without a history recovers
   * nothing ({@code recovered} false).
   */
  public Future<Recovery> since(EventDescriptor event, HistoryPosition since) {
    if (!event.keepsHistory()) {
      return Future.succeededFuture(new Recovery(List.of(), false, since));
    }
    return flushEverywhere(event.name())
        .compose(
            published ->
                vertx.executeBlocking(
                    () ->
                        recoverer.since(
                            event.name(),
                            event.historyTtlMs(),
                            since,
                            published,
                            clock.getAsLong()),
                    false));
  }

  /**
   * The latest offset of every node's publications of {@code event}: the position of a client that
   * subscribes now and has seen nothing (what it receives live moves it on). Empty for an event
   * without a history. Read on a worker thread, after the barrier.
   */
  public Future<HistoryPosition> current(EventDescriptor event) {
    if (!event.keepsHistory()) {
      return Future.succeededFuture(HistoryPosition.EMPTY);
    }
    return flushEverywhere(event.name())
        .compose(
            published ->
                vertx.executeBlocking(() -> recoverer.current(event.name(), published), false));
  }

  /**
   * The barrier: every node's answer to {@link #flush}, this node's included, as a vector (a node
   * that does not answer is left out).
   */
  private Future<HistoryPosition> flushEverywhere(String event) {
    List<Future<StreamPosition>> all = new ArrayList<>();
    all.add(flush(event));
    JsonObject body = new JsonObject().put("event", event);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(FLUSH_TIMEOUT_MS);
    for (String node : others.get()) {
      all.add(
          vertx
              .eventBus()
              .<JsonObject>request(flushAddress.apply(node), body, options)
              .map(reply -> StreamPosition.parse(reply.body().getString("position")))
              .otherwise((StreamPosition) null));
    }
    // None fails: an unanswered request is a null answer.
    return Future.all(all)
        .map(
            v ->
                HistoryPosition.of(
                    all.stream().map(Future::result).filter(Objects::nonNull).toList()));
  }

  /** Publications recorded by this node. */
  public long recorded() {
    return recorded.get();
  }

  /** Publications of this node given up: published, never recorded. */
  public long unrecorded() {
    return unrecorded.get();
  }

  private Appender appender(EventDescriptor event, String epoch) {
    return appenders.computeIfAbsent(event.name(), n -> new Appender(event, epoch));
  }

  private void gaveUp(int count, String event, String why) {
    unrecorded.addAndGet(count);
    long now = System.currentTimeMillis();
    if (now - lastWarning > 10_000) {
      lastWarning = now;
      LOG.warn("{} publication(s) of '{}' not kept in its history: {}", count, event, why);
    }
  }

  private record Pending(HistoryEntry entry, Promise<Void> done) {}

  /** A {@link #flush} waiting for the publications up to {@code upTo} (a count) to finish. */
  private record Waiter(long upTo, StreamPosition position, Promise<StreamPosition> done) {}

  /** One event's appends: one batch in flight, the rest queued. Confined to the context. */
  private final class Appender {
    private final EventDescriptor event;
    private final String epoch;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean busy;
    private long added;
    private long finished;
    private long lastOffset;

    Appender(EventDescriptor event, String epoch) {
      this.event = event;
      this.epoch = epoch;
    }

    void add(HistoryEntry entry, Promise<Void> done) {
      added++;
      lastOffset = entry.offset();
      queue.add(new Pending(entry, done));
      if (queue.size() > MAX_QUEUED) {
        Pending oldest = queue.poll();
        finished++;
        gaveUp(1, event.name(), "more than " + MAX_QUEUED + " waiting");
        oldest.done.fail("not recorded: more than " + MAX_QUEUED + " waiting");
      }
      if (!busy) {
        next();
      }
    }

    void flush(Promise<StreamPosition> done) {
      StreamPosition last = new StreamPosition(epoch, lastOffset);
      if (finished >= added) {
        done.complete(last);
        return;
      }
      Waiter waiter = new Waiter(added, last, done);
      waiters.add(waiter);
      vertx.setTimer(
          flushWaitMs,
          t -> {
            if (waiters.remove(waiter)) {
              done.complete(last);
            }
          });
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
      List<HistoryEntry> entries = batch.stream().map(Pending::entry).toList();
      boolean[] over = new boolean[1];
      long timer =
          vertx.setTimer(
              appendTimeoutMs,
              t -> finish(batch, over, "not stored within " + appendTimeoutMs + " ms"));
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
                    finish(batch, over, ar.succeeded() ? null : ar.cause().toString());
                  }));
    }

    /** Ends the batch, once: stored, or given up ({@code failure}). */
    private void finish(List<Pending> batch, boolean[] over, String failure) {
      if (over[0]) {
        return;
      }
      over[0] = true;
      finished += batch.size();
      if (failure == null) {
        recorded.addAndGet(batch.size());
        batch.forEach(p -> p.done.complete());
      } else {
        gaveUp(batch.size(), event.name(), failure);
        batch.forEach(p -> p.done.fail("not recorded: " + failure));
      }
      waiters.removeIf(
          w -> {
            if (w.upTo <= finished) {
              w.done.complete(w.position);
              return true;
            }
            return false;
          });
      next();
    }
  }
}

package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.StreamPosition;
import io.herald.cluster.LocalHistoryLogs;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Recording: order, batching, the flush barrier, and what happens when the store fails or hangs.
 */
class HistoryTest {

  private static final EventDescriptor EVENT =
      EventDescriptor.broadcast("test.kept").history(100, 60_000).build();

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    TestNodes.await(vertx.close());
  }

  /** Logs whose appends complete when the test says so; every append is remembered. */
  private static final class HeldLogs implements HistoryLogs {
    final LocalHistoryLogs stored = new LocalHistoryLogs(System::currentTimeMillis);
    final List<List<Long>> appends = new CopyOnWriteArrayList<>();
    final List<Promise<Void>> pending = new CopyOnWriteArrayList<>();
    volatile boolean fail;

    @Override
    public Future<Void> append(
        String event, String epoch, int capacity, long ttlMs, List<HistoryEntry> entries) {
      appends.add(entries.stream().map(HistoryEntry::offset).toList());
      Promise<Void> promise = Promise.promise();
      pending.add(promise);
      return promise
          .future()
          .compose(
              v ->
                  fail
                      ? Future.failedFuture(new IllegalStateException("store down"))
                      : stored.append(event, epoch, capacity, ttlMs, entries));
    }

    void completeAll() {
      new ArrayList<>(pending).forEach(p -> p.tryComplete());
    }

    @Override
    public Set<String> epochs(String event) {
      return stored.epochs(event);
    }

    @Override
    public Slice read(String event, String epoch, long from, int max) {
      return stored.read(event, epoch, from, max);
    }
  }

  private History history(HistoryLogs logs, long timeoutMs) {
    return history(logs, timeoutMs, 60_000);
  }

  private History history(HistoryLogs logs, long timeoutMs, long flushWaitMs) {
    return new History(
        vertx,
        logs,
        List::of,
        id -> "unused." + id,
        System::currentTimeMillis,
        timeoutMs,
        flushWaitMs);
  }

  @Test
  void recordsInOrderOneBatchInFlightAndFlushWaitsForIt() {
    HeldLogs logs = new HeldLogs();
    History history = history(logs, 60_000);
    List<Future<Void>> futures = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      futures.add(history.record(EVENT, new StreamPosition("n", i), "{\"i\":" + i + "}", null));
    }
    TestNodes.eventually(5_000, "first append", () -> logs.appends.size() == 1);
    assertEquals(List.of(1L), logs.appends.get(0), "the first publication goes alone");
    Future<StreamPosition> flushed = history.flush(EVENT.name());
    logs.completeAll();
    TestNodes.eventually(5_000, "second append", () -> logs.appends.size() == 2);
    assertEquals(List.of(2L, 3L, 4L, 5L), logs.appends.get(1), "what waited goes in one batch");
    assertFalse(flushed.isComplete(), "2 to 5 were recorded before the flush, not stored yet");
    logs.completeAll();
    assertEquals(new StreamPosition("n", 5), TestNodes.await(flushed), "the last one published");
    futures.forEach(TestNodes::await);
    assertEquals(5, history.recorded());
    assertEquals(null, TestNodes.await(history.flush("test.other")), "nothing published");
    Recovery r = TestNodes.await(history.since(EVENT, HistoryPosition.of(Map.of("n", 2L))));
    assertTrue(r.recovered());
    assertEquals(3, r.missed().size());
    assertEquals(HistoryPosition.of(Map.of("n", 5L)), TestNodes.await(history.current(EVENT)));
  }

  @Test
  void aHungOrFailingStoreIsGivenUpAndLeavesAGap() {
    HeldLogs logs = new HeldLogs();
    History history = history(logs, 300);
    long start = System.nanoTime();
    Future<Void> first = history.record(EVENT, new StreamPosition("n", 1), "{}", null);
    Future<StreamPosition> flushed = history.flush(EVENT.name());
    assertTrue(first.transform(ar -> Future.succeededFuture(ar.failed())).await(), "given up");
    TestNodes.await(flushed);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMs >= 290 && tookMs < 3_000, "given up after " + tookMs + " ms");
    logs.fail = true;
    Future<Void> second = history.record(EVENT, new StreamPosition("n", 2), "{}", null);
    TestNodes.eventually(5_000, "second append", () -> logs.appends.size() == 2);
    logs.fail = false;
    logs.pending.get(1).complete();
    logs.fail = true;
    Future<Void> third = history.record(EVENT, new StreamPosition("n", 3), "{}", null);
    TestNodes.await(second);
    TestNodes.eventually(5_000, "third append", () -> logs.appends.size() == 3);
    logs.completeAll();
    assertTrue(third.transform(ar -> Future.succeededFuture(ar.failed())).await(), "failed");
    assertEquals(2, history.unrecorded());
    assertEquals(1, history.recorded());
    // 1 and 3 were never stored (1's append failed late, after it was given up): once a later
    // publication is, a client that saw 1 is told it cannot have all it missed.
    logs.fail = false;
    Future<Void> fourth = history.record(EVENT, new StreamPosition("n", 4), "{}", null);
    TestNodes.eventually(5_000, "fourth append", () -> logs.appends.size() == 4);
    logs.completeAll();
    TestNodes.await(fourth);
    Recovery r = TestNodes.await(history.since(EVENT, HistoryPosition.of(Map.of("n", 1L))));
    assertFalse(r.recovered());
    assertEquals(List.of(2L, 4L), r.missed().stream().map(m -> m.position().offset()).toList());
  }

  @Test
  void publicationsStillOnTheirWayWhenTheBarrierGivesUpWaitingAreMissed() {
    HeldLogs logs = new HeldLogs();
    History publisher = history(logs, 60_000, 300);
    TestNodes.await(publisher.serve("flush.n").completion());
    History reader =
        new History(
            vertx,
            logs.stored,
            () -> List.of("n"),
            id -> "flush." + id,
            System::currentTimeMillis,
            60_000,
            300);
    Future<Void> first = publisher.record(EVENT, new StreamPosition("n", 1), "{}", null);
    TestNodes.eventually(5_000, "first append", () -> logs.appends.size() == 1);
    logs.completeAll();
    TestNodes.await(first);
    // 2 and 3 are published, their append hangs (a member's failover that outlasts the wait).
    publisher.record(EVENT, new StreamPosition("n", 2), "{}", null);
    publisher.record(EVENT, new StreamPosition("n", 3), "{}", null);
    TestNodes.eventually(5_000, "second append", () -> logs.appends.size() == 2);

    long start = System.nanoTime();
    Recovery r = TestNodes.await(reader.since(EVENT, HistoryPosition.of(Map.of("n", 1L))));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertFalse(r.recovered(), "2 and 3 were published before the barrier and are not stored");
    assertEquals(List.of(), r.missed());
    assertEquals(HistoryPosition.of(Map.of("n", 1L)), r.at());
    assertTrue(tookMs >= 290 && tookMs < 3_000, "the publisher answered after " + tookMs + " ms");
    assertEquals(
        HistoryPosition.of(Map.of("n", 3L)),
        TestNodes.await(reader.current(EVENT)),
        "a new subscriber starts after them");

    TestNodes.eventually(
        5_000,
        "stored",
        () -> {
          logs.completeAll();
          return publisher.recorded() == 3;
        });
    Recovery later = TestNodes.await(reader.since(EVENT, HistoryPosition.of(Map.of("n", 1L))));
    assertTrue(later.recovered(), "stored late: found");
    assertEquals(2, later.missed().size());
  }

  @Test
  void anEventWithoutHistoryRecoversNothing() {
    History history = history(new HeldLogs(), 60_000);
    EventDescriptor none = EventDescriptor.broadcast("test.none").build();
    HistoryPosition since = HistoryPosition.of(Map.of("n", 1L));
    Recovery r = TestNodes.await(history.since(none, since));
    assertEquals(false, r.recovered());
    assertEquals(since, r.at());
    assertEquals(HistoryPosition.EMPTY, TestNodes.await(history.current(none)));
  }
}

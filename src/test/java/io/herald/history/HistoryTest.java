package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.StreamPosition;
import io.herald.cluster.LocalHistoryLogs;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Record, then publish: order, batching, and what happens when the store fails or hangs. */
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

  @Test
  void publishesOnlyOnceRecordedInOrderAndBatchesWhatWaits() {
    HeldLogs logs = new HeldLogs();
    History history = new History(vertx, logs, System::currentTimeMillis, 60_000);
    List<Long> published = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> futures = new ArrayList<>();
    for (long i = 1; i <= 5; i++) {
      long offset = i;
      futures.add(
          history.record(
              EVENT,
              new StreamPosition("n", offset),
              "{\"i\":" + i + "}",
              null,
              () -> published.add(offset)));
    }
    TestNodes.eventually(5_000, "first append", () -> logs.appends.size() == 1);
    assertEquals(List.of(1L), logs.appends.get(0), "the first publication goes alone");
    assertEquals(List.of(), published, "nothing is published before it is recorded");
    logs.completeAll();
    TestNodes.eventually(5_000, "second append", () -> logs.appends.size() == 2);
    assertEquals(List.of(2L, 3L, 4L, 5L), logs.appends.get(1), "what waited goes in one batch");
    assertEquals(List.of(1L), published);
    logs.completeAll();
    futures.forEach(TestNodes::await);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), published);
    assertEquals(5, history.recorded());
    Recovery r = TestNodes.await(history.since(EVENT, HistoryPosition.of(Map.of("n", 2L))));
    assertTrue(r.recovered());
    assertEquals(3, r.missed().size());
    assertEquals(HistoryPosition.of(Map.of("n", 5L)), TestNodes.await(history.current(EVENT)));
  }

  @Test
  void aFailedOrHungStoreDelaysPublicationByAtMostTheTimeout() {
    HeldLogs logs = new HeldLogs();
    History history = new History(vertx, logs, System::currentTimeMillis, 300);
    List<Long> published = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    Future<Void> first =
        history.record(EVENT, new StreamPosition("n", 1), "{}", null, () -> published.add(1L));
    TestNodes.await(first); // never completed by the store: published after the timeout
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMs >= 290 && tookMs < 3_000, "published after " + tookMs + " ms");
    logs.fail = true;
    Future<Void> second =
        history.record(EVENT, new StreamPosition("n", 2), "{}", null, () -> published.add(2L));
    TestNodes.eventually(5_000, "second append", () -> logs.appends.size() == 2);
    logs.completeAll();
    TestNodes.await(second);
    assertEquals(List.of(1L, 2L), published);
    assertEquals(2, history.unrecorded());
    assertEquals(0, history.recorded());
  }

  @Test
  void anEventWithoutHistoryRecoversNothing() {
    History history = new History(vertx, new HeldLogs(), System::currentTimeMillis);
    EventDescriptor none = EventDescriptor.broadcast("test.none").build();
    HistoryPosition since = HistoryPosition.of(Map.of("n", 1L));
    Recovery r = TestNodes.await(history.since(none, since));
    assertEquals(false, r.recovered());
    assertEquals(since, r.at());
    assertEquals(HistoryPosition.EMPTY, TestNodes.await(history.current(none)));
  }
}

package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.StreamPosition;
import io.herald.cluster.LocalHistoryLogs;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The recovery logic over in-memory logs with the same bounds as the cluster's ringbuffers. */
class RecovererTest {

  private static final String EVENT = "test.e";
  private static final String A = "a";
  private static final String B = "b";

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final LocalHistoryLogs logs = new LocalHistoryLogs(now::get);
  private final Recoverer recoverer = new Recoverer(logs);

  private int capacity = 100;
  private long ttl = 60_000;

  private void publish(String epoch, long... offsets) {
    for (long offset : offsets) {
      logs.append(
          EVENT,
          epoch,
          capacity,
          ttl,
          List.of(
              new HistoryEntry(
                  offset, now.get(), offset % 2 == 0 ? "bob" : null, frame(epoch, offset))));
    }
  }

  private static String frame(String epoch, long offset) {
    return "{\"msg\":\"added\",\"collection\":\"" + EVENT + "\",\"id\":\"" + epoch + offset + "\"}";
  }

  private Recovery since(Map<String, Long> seen) {
    return since(seen, Map.of());
  }

  /** A recovery after a barrier at which the nodes had published up to {@code published}. */
  private Recovery since(Map<String, Long> seen, Map<String, Long> published) {
    return recoverer.since(
        EVENT, ttl, HistoryPosition.of(seen), HistoryPosition.of(published), now.get());
  }

  private static List<String> positions(Recovery r) {
    return r.missed().stream().map(m -> m.position().toString()).toList();
  }

  @Test
  void aClientGetsWhatItMissedOfEveryNodeInOrder() {
    publish(A, 1, 2);
    now.addAndGet(10);
    publish(B, 1);
    now.addAndGet(10);
    publish(A, 3);
    now.addAndGet(10);
    publish(B, 2, 3);
    Recovery r = since(Map.of(A, 1L, B, 1L));
    assertTrue(r.recovered());
    assertEquals(
        List.of("a@2", "a@3", "b@2", "b@3"), positions(r), "interleaved by time, each in order");
    assertEquals(HistoryPosition.of(Map.of(A, 3L, B, 3L)), r.at());
    Recovery.Recorded first = r.missed().get(0);
    assertEquals(frame(A, 2), first.frame());
    assertEquals("bob", first.owner());
    assertEquals(null, r.missed().get(1).owner());
  }

  @Test
  void aClientThatSawEverythingMissesNothing() {
    publish(A, 1, 2, 3);
    Recovery r = since(Map.of(A, 3L));
    assertTrue(r.recovered());
    assertEquals(List.of(), positions(r));
    assertEquals(HistoryPosition.of(Map.of(A, 3L)), r.at());
  }

  @Test
  void aNodeTheClientNeverSawIsMissedFromItsFirstPublication() {
    publish(A, 1);
    publish(B, 1, 2);
    Recovery r = since(Map.of(A, 1L));
    assertTrue(r.recovered());
    assertEquals(List.of("b@1", "b@2"), positions(r));
  }

  @Test
  void theCountBoundPushesOutTheOldest() {
    capacity = 3;
    publish(A, 1, 2, 3, 4, 5, 6);
    Recovery late = since(Map.of(A, 2L));
    assertFalse(late.recovered(), "4, 5, 6 are kept; 3 was pushed out");
    assertEquals(List.of("a@4", "a@5", "a@6"), positions(late), "what is left");
    Recovery inTime = since(Map.of(A, 3L));
    assertTrue(inTime.recovered());
    assertEquals(List.of("a@4", "a@5", "a@6"), positions(inTime));
  }

  @Test
  void theAgeBoundDropsTheOld() {
    ttl = 1_000;
    publish(A, 1, 2);
    now.addAndGet(800);
    publish(A, 3);
    now.addAndGet(400); // 1 and 2 are 1200 ms old, 3 is 400 ms old
    assertFalse(since(Map.of(A, 1L)).recovered());
    assertEquals(List.of("a@3"), positions(since(Map.of(A, 1L))));
    assertTrue(since(Map.of(A, 2L)).recovered());
    now.addAndGet(2_000); // everything aged out
    assertTrue(since(Map.of(A, 3L)).recovered(), "nothing was published after 3");
    Recovery gone = since(Map.of(A, 2L));
    assertFalse(gone.recovered(), "3 was published after 2 and is gone");
    assertEquals(List.of(), positions(gone));
  }

  @Test
  void theAgeIsTheEntrysOwnEvenWhenTheLogStillHoldsIt() {
    // The cluster's logs drop entries in whole seconds; the reader applies the exact age.
    logs.append(
        EVENT, A, capacity, ttl, List.of(new HistoryEntry(1, now.get() - ttl - 1, null, "{}")));
    logs.append(EVENT, A, capacity, ttl, List.of(new HistoryEntry(2, now.get(), null, "{}")));
    Recovery r = since(Map.of());
    assertFalse(r.recovered());
    assertEquals(List.of("a@2"), positions(r));
    assertTrue(since(Map.of(A, 1L)).recovered());
  }

  @Test
  void anUnrecordedPublicationIsAGap() {
    publish(A, 1, 2, 4, 5); // 3 was published without being recorded
    Recovery across = since(Map.of(A, 1L));
    assertFalse(across.recovered());
    assertEquals(List.of("a@2", "a@4", "a@5"), positions(across));
    assertTrue(since(Map.of(A, 3L)).recovered());
    assertEquals(List.of("a@4", "a@5"), positions(since(Map.of(A, 3L))));
  }

  @Test
  void publicationsNotStoredByTheBarrierAreAGapEvenAtTheEnd() {
    publish(A, 1, 2); // A had published 3 and 4 too: given up, or still on their way
    publish(B, 1);
    Recovery r = since(Map.of(A, 1L, B, 1L), Map.of(A, 4L, B, 1L));
    assertFalse(r.recovered(), "3 and 4 are missed");
    assertEquals(List.of("a@2"), positions(r));
    assertEquals(HistoryPosition.of(Map.of(A, 2L, B, 1L)), r.at(), "the live stream goes on");
    assertFalse(since(Map.of(A, 2L), Map.of(A, 3L)).recovered());
    assertTrue(since(Map.of(A, 1L), Map.of(A, 2L)).recovered(), "all stored");
    assertTrue(since(Map.of(A, 2L), Map.of(A, 2L)).recovered(), "nothing missed");
    // A node whose log is not even created yet (its first append is on its way).
    assertFalse(since(Map.of(A, 2L), Map.of(A, 2L, "c", 1L)).recovered());
    assertTrue(since(Map.of(A, 2L, "c", 1L), Map.of(A, 2L, "c", 1L)).recovered(), "saw it live");
  }

  @Test
  void entriesAppendedOutOfPlaceAreStillFoundAndOrdered() {
    publish(A, 1, 2, 4, 3, 5);
    Recovery r = since(Map.of(A, 2L));
    assertTrue(r.recovered());
    assertEquals(List.of("a@3", "a@4", "a@5"), positions(r));
  }

  @Test
  void aLongLogIsReadInBatchesAndFromNearTheClientsPlace() {
    capacity = 5_000;
    for (long i = 1; i <= 3_000; i++) {
      publish(A, i);
    }
    Recovery r = since(Map.of(A, 500L));
    assertTrue(r.recovered());
    assertEquals(2_500, r.missed().size());
    assertEquals("a@501", r.missed().get(0).position().toString());
    assertEquals("a@3000", r.missed().get(2_499).position().toString());
  }

  @Test
  void aRunTheHistoryNoLongerKnowsIsNotRecovered() {
    publish(A, 1);
    Recovery r = since(Map.of(A, 1L, "vanished", 4L));
    assertFalse(r.recovered(), "the cluster that had 'vanished' was restarted");
    assertTrue(since(Map.of(A, 1L)).recovered());
  }

  @Test
  void currentIsTheLatestRecordedOrPublishedOfEachNode() {
    assertEquals(HistoryPosition.EMPTY, recoverer.current(EVENT, HistoryPosition.EMPTY));
    capacity = 2;
    publish(A, 1, 2, 3);
    publish(B, 1);
    assertEquals(
        HistoryPosition.of(Map.of(A, 3L, B, 1L)), recoverer.current(EVENT, HistoryPosition.EMPTY));
    assertEquals(
        HistoryPosition.of(Map.of(A, 5L, B, 1L, "c", 2L)),
        recoverer.current(EVENT, HistoryPosition.of(Map.of(A, 5L, B, 1L, "c", 2L))),
        "what was published before the subscription, stored or not, is behind the client");
    // A client starting there misses nothing; one more publication is all it missed.
    publish(B, 2);
    Recovery r = since(Map.of(A, 3L, B, 1L), Map.of(A, 3L, B, 2L));
    assertTrue(r.recovered());
    assertEquals(
        List.of(new StreamPosition(B, 2)),
        r.missed().stream().map(Recovery.Recorded::position).toList());
  }
}

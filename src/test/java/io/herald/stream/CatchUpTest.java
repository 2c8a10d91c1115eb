package io.herald.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.StreamPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CatchUpTest {

  private static StreamPosition at(String epoch, long offset) {
    return new StreamPosition(epoch, offset);
  }

  @Test
  void heldMessagesAtOrBeforeTheSnapshotAreDroppedAndTheRestFollowTheItemsInOrder() {
    List<String> out = new ArrayList<>();
    CatchUp<String> catchUp = CatchUp.of(out::add, 100);
    catchUp.offer(at("a", 4), "a4");
    catchUp.offer(at("a", 5), "a5");
    catchUp.offer(at("b", 1), "b1");
    catchUp.offer(at("a", 6), "a6");
    assertEquals(List.of(), out, "nothing flows before open");

    assertTrue(catchUp.open(List.of("item"), List.of(at("a", 5)), () -> out.add("ready")));
    assertEquals(List.of("item", "ready", "b1", "a6"), out);

    catchUp.offer(at("a", 6), "a6 again");
    catchUp.offer(at("a", 7), "a7");
    catchUp.offer(at("b", 1), "b1 again");
    catchUp.offer(null, "unpositioned");
    assertEquals(
        List.of("item", "ready", "b1", "a6", "a7", "unpositioned"), out, "live: no duplicate");
  }

  @Test
  void aSingleEpochStreamDropsOtherRuns() {
    List<String> out = new ArrayList<>();
    CatchUp<String> catchUp = CatchUp.singleEpoch(out::add, 100);
    catchUp.offer(at("old", 9), "old9");
    catchUp.offer(at("run", 3), "run3");
    catchUp.open(List.of(), List.of(at("run", 2)), () -> {});
    catchUp.offer(at("old", 10), "old10");
    catchUp.offer(at("run", 4), "run4");
    assertEquals(List.of("run3", "run4"), out);
  }

  @Test
  void aSingleEpochStreamOpenedWithoutPositionTakesTheFirstEpochItSees() {
    List<String> out = new ArrayList<>();
    CatchUp<String> catchUp = CatchUp.singleEpoch(out::add, 100);
    catchUp.open(List.of(), List.of(), () -> {});
    catchUp.offer(at("run", 1), "run1");
    catchUp.offer(at("other", 1), "other1");
    catchUp.offer(at("run", 2), "run2");
    assertEquals(List.of("run1", "run2"), out);
  }

  @Test
  void holdingPastTheLimitOverrunsAndOpeningThenDeliversNothing() {
    List<String> out = new ArrayList<>();
    CatchUp<String> catchUp = CatchUp.of(out::add, 3);
    for (int i = 1; i <= 4; i++) {
      catchUp.offer(at("a", i), "a" + i);
    }
    assertTrue(catchUp.overrun());
    List<String> ready = new ArrayList<>();
    assertFalse(catchUp.open(List.of("item"), List.of(at("a", 0)), () -> ready.add("ready")));
    assertEquals(List.of(), out);
    assertEquals(List.of(), ready);
  }

  /**
   * Two publishers, a snapshot read at a random moment of their interleaved streams: whatever the
   * moment, the subscriber's view (the snapshot's count per publisher, then the messages it gets)
   * is each publisher's whole stream, once, in order.
   */
  @Test
  void everyInterleavingIsGapFreeAndDuplicateFree() {
    Random random = new Random(42);
    for (int run = 0; run < 500; run++) {
      long[] published = new long[2];
      List<StreamPosition> got = new ArrayList<>();
      CatchUp<StreamPosition> catchUp = CatchUp.of(got::add, 10_000);
      int total = 40;
      int snapshotAt = random.nextInt(total);
      int openAt = snapshotAt + random.nextInt(total - snapshotAt);
      long[] seen = null;
      for (int i = 0; i < total; i++) {
        if (i == snapshotAt) {
          seen = published.clone();
        }
        if (i == openAt) {
          catchUp.open(List.of(), List.of(at("p0", seen[0]), at("p1", seen[1])), () -> {});
        }
        int p = random.nextInt(2);
        StreamPosition position = at("p" + p, ++published[p]);
        catchUp.offer(position, position);
        if (random.nextInt(5) == 0) {
          catchUp.offer(position, position); // a message offered twice must still be delivered once
        }
      }
      for (int p = 0; p < 2; p++) {
        String epoch = "p" + p;
        List<Long> offsets =
            got.stream().filter(g -> g.epoch().equals(epoch)).map(StreamPosition::offset).toList();
        List<Long> expected = new ArrayList<>();
        for (long o = seen[p] + 1; o <= published[p]; o++) {
          expected.add(o);
        }
        assertEquals(expected, offsets, "run " + run + ", publisher " + epoch);
      }
    }
  }
}

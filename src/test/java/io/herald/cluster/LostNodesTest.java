package io.herald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LostNodesTest {

  private final LostNodes lost = new LostNodes();

  @Test
  void aNodeThatWasNeverLostIsNewNotBack() {
    assertEquals(List.of(), lost.joined("a"));
    assertEquals(0, lost.lostAt("a"));
  }

  @Test
  void aLostNodeThatJoinsAgainIsBackOnce() {
    lost.lost("a", 1000);
    assertEquals(List.of("a"), lost.joined("a"));
    assertEquals(List.of(), lost.joined("a"), "a second join event is not a second return");
    assertEquals(1000, lost.lostAt("a"), "when it was lost is kept after it is back");
    lost.lost("a", 2000);
    assertEquals(List.of("a"), lost.joined("a"), "lost and back again");
    assertEquals(2000, lost.lostAt("a"));
  }

  @Test
  void returnsWhileThisSideMergesWaitForTheMergeToEnd() {
    lost.lost("a", 1);
    lost.lost("b", 2);
    lost.mergeStarted();
    assertEquals(List.of(), lost.joined("a"));
    assertEquals(List.of(), lost.joined("b"));
    assertEquals(List.of("a", "b"), lost.mergeEnded());
    assertEquals(List.of(), lost.mergeEnded());
    lost.lost("c", 3);
    assertEquals(List.of("c"), lost.joined("c"), "after the merge, returns are handled at once");
  }

  @Test
  void onlyTheLast1000LossesAreRemembered() {
    for (int i = 0; i <= 1000; i++) {
      lost.lost("n" + i, i + 1);
    }
    assertEquals(0, lost.lostAt("n0"));
    assertEquals(List.of(), lost.joined("n0"));
    assertEquals(List.of("n1000"), lost.joined("n1000"));
  }
}

package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.StreamPosition;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HistoryPositionTest {

  private static final String A = "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
  private static final String B = UUID.randomUUID().toString();

  @Test
  void roundTripsCompactly() {
    HistoryPosition p = HistoryPosition.of(Map.of(A, 12345L, B, 1L, "not-a-uuid", 7L));
    String text = p.encode();
    assertEquals(p, HistoryPosition.parse(text));
    assertTrue(text.matches("[A-Za-z0-9_.:~-]+"), text);
    // A node id takes 22 characters, an offset a few: ~26 per node.
    String one = HistoryPosition.of(Map.of(A, 12345L)).encode();
    assertEquals("1.bxwqNFttTn-KmwwdLj9KWw:9ix", one);
    assertEquals(HistoryPosition.EMPTY, HistoryPosition.parse("1"));
    assertEquals("1", HistoryPosition.EMPTY.encode());
  }

  @Test
  void anUppercaseUuidIsKeptAsWritten() {
    String upper = A.toUpperCase();
    HistoryPosition p = HistoryPosition.of(Map.of(upper, 3L));
    assertEquals(3, HistoryPosition.parse(p.encode()).offset(upper));
  }

  @Test
  void advancesPerEpochAndMerges() {
    HistoryPosition p = HistoryPosition.EMPTY.with(new StreamPosition(A, 3));
    assertEquals(p, p.with(new StreamPosition(A, 2)), "an older position changes nothing");
    p = p.with(new StreamPosition(B, 5)).with(new StreamPosition(A, 4));
    assertEquals(4, p.offset(A));
    assertEquals(5, p.offset(B));
    assertEquals(0, p.offset("other"));
    HistoryPosition q = HistoryPosition.of(Map.of(A, 1L, "c", 9L));
    HistoryPosition merged = p.merge(q);
    assertEquals(
        Map.of(A, 4L, B, 5L, "c", 9L),
        Map.of(A, merged.offset(A), B, merged.offset(B), "c", merged.offset("c")));
    assertEquals(List.of(new StreamPosition(A, 1), new StreamPosition("c", 9)), q.positions());
  }

  @Test
  void refusesWhatItDidNotWrite() {
    for (String bad :
        new String[] {
          "",
          "2",
          "1.",
          "1x",
          "1.abc:1",
          "1.bxwqNFttTn-KmwwdLj9KWw",
          "1.bxwqNFttTn-KmwwdLj9KWw:",
          "1.bxwqNFttTn-KmwwdLj9KWw:-1",
          "1.bxwqNFttTn-KmwwdLj9KWw:1.bxwqNFttTn-KmwwdLj9KWw:2",
          "1.~:1",
          "1.~!!:1",
          "1.bxwqNFttTn-KmwwdLj9KWw:zzzzzzzzzzzzzzzzzzzz",
          "1." + "a".repeat(20000)
        }) {
      assertThrows(IllegalArgumentException.class, () -> HistoryPosition.parse(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> HistoryPosition.parse(null));
  }

  @Test
  void entriesRoundTrip() {
    for (String owner : new String[] {null, "", "bob", "a b 3 {"}) {
      HistoryEntry e =
          new HistoryEntry(42, 1_700_000_000_000L, owner, "{\"msg\":\"added\",\"id\":1}");
      assertEquals(e, HistoryEntry.decode(e.encode()));
    }
    assertThrows(IllegalArgumentException.class, () -> HistoryEntry.decode("garbage"));
  }
}

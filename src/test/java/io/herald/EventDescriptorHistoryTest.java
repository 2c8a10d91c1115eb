package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The history bounds an event is registered with. */
class EventDescriptorHistoryTest {

  @Test
  void noHistoryUnlessAsked() {
    EventDescriptor plain = EventDescriptor.broadcast("x.plain").build();
    assertFalse(plain.keepsHistory());
    assertEquals(0, plain.historySize());
    assertEquals(0, plain.historyTtlMs());
    assertEquals(0, plain.toJson().getInteger("history_size"));
  }

  @Test
  void roundTripsThroughTheClusterMap() {
    EventDescriptor kept =
        EventDescriptor.broadcast("x.kept").history(500, 120_000).ownerScoped(true).build();
    assertTrue(kept.keepsHistory());
    JsonObject json = kept.toJson();
    assertEquals(500, json.getInteger("history_size"));
    assertEquals(120_000L, json.getLong("history_ttl_ms"));
    assertEquals(kept, EventDescriptor.fromJson(json));
    // A descriptor written before histories existed reads as keeping none.
    json.remove("history_size");
    json.remove("history_ttl_ms");
    assertFalse(EventDescriptor.fromJson(json).keepsHistory());
  }

  @Test
  void theBuiltInBroadcastEventsKeepOneAndSourcesNone() {
    assertEquals(1000, io.herald.jobs.JobMethods.EVENT.historySize());
    assertEquals(300_000, io.herald.jobs.JobMethods.EVENT.historyTtlMs());
    assertTrue(io.herald.sources.alerts.Alerts.DESCRIPTOR.keepsHistory());
    assertTrue(io.herald.cluster.ClusterMembers.DESCRIPTOR.keepsHistory());
  }

  @Test
  void refusesHistoriesThatCannotBe() {
    assertThrows(
        IllegalArgumentException.class,
        () -> EventDescriptor.source("x.src").history(10, 1000).build(),
        "a source's messages are per subscriber");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EventDescriptor.broadcast("x.latest").latestValueOnly(true).history(10, 1000).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> EventDescriptor.broadcast("x.sizeonly").history(10, 0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> EventDescriptor.broadcast("x.ageonly").history(0, 1000).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> EventDescriptor.broadcast("x.neg").history(-1, 1000).build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EventDescriptor.broadcast("x.huge")
                .history(EventDescriptor.MAX_HISTORY_SIZE + 1, 1000)
                .build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            EventDescriptor.broadcast("x.old")
                .history(10, EventDescriptor.MAX_HISTORY_TTL_MS + 1)
                .build());
  }
}

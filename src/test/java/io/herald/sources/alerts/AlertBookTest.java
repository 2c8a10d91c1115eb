package io.herald.sources.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.herald.EventMessage;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The rules on fixed readings: disks per mount point, load per core, one-shot alerts. */
class AlertBookTest {

  private final AtomicInteger uuids = new AtomicInteger();
  private final AlertBook book =
      new AlertBook(
          "node-1",
          new AlertConfig(
              1000,
              1000,
              new AlertConfig.Thresholds(90, 95, 85),
              new AlertConfig.Thresholds(80, 90, 70),
              new AlertConfig.Thresholds(2.0, 4.0, 1.5)),
          () -> "u" + uuids.incrementAndGet());

  private static HostMetrics disks(HostMetrics.Disk... disks) {
    return new HostMetrics(null, List.of(disks), null);
  }

  private static HostMetrics.Disk disk(String mount, long used) {
    return HostMetrics.Disk.of(mount, "/dev/" + mount.length(), "ext4", 1000, used, 1000 - used);
  }

  private static String summary(List<EventMessage> messages) {
    StringBuilder out = new StringBuilder();
    for (EventMessage m : messages) {
      out.append(m.kind().wire).append(' ').append(m.id());
      if (m.fields() != null) {
        out.append(' ')
            .append(m.fields().getString("key"))
            .append(' ')
            .append(m.fields().getString("level"));
      }
      out.append(';');
    }
    return out.toString();
  }

  @Test
  void oneAlertPerMountPointAndAnUnmountedFilesystemClears() {
    assertEquals(
        "added u1 / WARNING;added u2 /data CRITICAL;",
        summary(book.evaluate(disks(disk("/", 800), disk("/data", 950), disk("/boot", 100)), 1)));
    JsonObject root = book.list().getJsonObject(0);
    assertEquals("Space used on / is 80.0% (threshold 80%).", root.getString("formatted"));
    assertEquals(
        new JsonObject()
            .put("mount", "/")
            .put("device", "/dev/1")
            .put("type", "ext4")
            .put("percent", 80.0)
            .put("total", 1000)
            .put("used", 800)
            .put("available", 200)
            .put("threshold", 80),
        root.getJsonObject("args"));
    assertEquals("node-1", root.getString("node"));
    assertEquals("removed u2;", summary(book.evaluate(disks(disk("/", 800)), 2)), "/data is gone");
    assertEquals(
        "",
        summary(book.evaluate(new HostMetrics(null, null, null), 3)),
        "no reading: nothing changes");
    assertEquals(1, book.list().size());
  }

  @Test
  void loadIsPerCoreAndUsesTwoDecimals() {
    assertEquals(
        "", summary(book.evaluate(new HostMetrics(null, null, HostMetrics.Load.of(7.9, 4)), 1)));
    List<EventMessage> raised =
        book.evaluate(new HostMetrics(null, null, HostMetrics.Load.of(8.5, 4)), 2);
    assertEquals("added u1 load WARNING;", summary(raised));
    assertEquals(
        "1-minute load average is 2.13 per core (8.50 on 4 cores; threshold 2.00).",
        raised.get(0).fields().getString("formatted"));
    assertEquals(
        new JsonObject()
            .put("load1", 8.5)
            .put("cores", 4)
            .put("per_core", 2.13)
            .put("threshold", 2),
        raised.get(0).fields().getJsonObject("args"));
    assertEquals(
        "changed u1 load CRITICAL;",
        summary(book.evaluate(new HostMetrics(null, null, HostMetrics.Load.of(16.0, 4)), 3)));
    assertEquals(
        "removed u1;",
        summary(book.evaluate(new HostMetrics(null, null, HostMetrics.Load.of(5.9, 4)), 4)));
  }

  @Test
  void lastOccurrenceIsTheLastEvaluationAtOrAboveWarning() {
    book.evaluate(new HostMetrics(HostMetrics.Memory.of(100, 5), null, null), 10);
    book.evaluate(new HostMetrics(HostMetrics.Memory.of(100, 5), null, null), 20);
    book.evaluate(new HostMetrics(HostMetrics.Memory.of(100, 12), null, null), 30);
    JsonObject alert = book.list().getJsonObject(0);
    assertEquals(10, alert.getJsonObject("datetime").getLong("$date"));
    assertEquals(20, alert.getJsonObject("last_occurrence").getLong("$date"));
  }

  @Test
  void oneShotAlertsAreNotClearedByRulesAndNotDuplicated() {
    Alert alert =
        book.raiseOneShot(
            AlertBook.JOB_FAILED, "7", new JsonObject().put("id", 7), "Job 7 failed.", 5);
    assertNull(book.raiseOneShot(AlertBook.JOB_FAILED, "7", new JsonObject(), "again", 6));
    assertEquals(
        "",
        summary(
            book.evaluate(
                new HostMetrics(
                    HostMetrics.Memory.of(100, 50), List.of(), HostMetrics.Load.of(0, 1)),
                7)));
    assertEquals(true, book.list().getJsonObject(0).getBoolean("one_shot"));
    assertEquals(alert, book.remove(alert.uuid));
    assertEquals(0, book.list().size());
  }
}

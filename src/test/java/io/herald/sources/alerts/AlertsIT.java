package io.herald.sources.alerts;

import static io.herald.support.Messages.sub;
import static io.herald.support.Messages.subSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert engine through the real protocol: real host metrics, a driven hysteresis sequence,
 * failed jobs.
 */
@ExtendWith(VertxExtension.class)
class AlertsIT {

  private static final List<String> ALERT_KEYS =
      List.of(
          "uuid",
          "id",
          "node",
          "source",
          "klass",
          "level",
          "key",
          "args",
          "formatted",
          "text",
          "datetime",
          "last_occurrence",
          "dismissed",
          "one_shot");

  /**
   * {@code alerts.*} overrides that no host reaches (percent never exceeds 100; load 1,000,000 per
   * core).
   */
  private static JsonObject unreachable() {
    return new JsonObject()
        .put("alerts.memory.warning", 101)
        .put("alerts.memory.critical", 101)
        .put("alerts.memory.clear", 100)
        .put("alerts.disk.warning", 101)
        .put("alerts.disk.critical", 101)
        .put("alerts.disk.clear", 100)
        .put("alerts.load.warning", 100_000_000)
        .put("alerts.load.critical", 100_000_000)
        .put("alerts.load.clear", 99_999_999);
  }

  /** The {@code alerts.*} settings of {@code overrides}, as a node would read them. */
  private static AlertConfig config(JsonObject overrides) {
    return AlertConfig.from(Settings.of(TestNodes.nested(overrides)));
  }

  /** An alert engine deployed beside {@code herald}, as the node deploys its own. */
  private static AlertEngine start(
      Vertx vertx, Node herald, AlertConfig config, AlertEngine.MetricSource metrics) {
    AlertEngine engine = Alerts.engine(herald, config, metrics);
    TestNodes.await(vertx.deployVerticle(engine));
    return engine;
  }

  private static JsonObject alertEvent(WsClient c) {
    return c.next(m -> Alerts.EVENT.equals(m.getString("collection")));
  }

  private static JsonArray listed(WsClient c, Object id) {
    return c.call(id, "alert.list", new JsonArray()).getJsonArray("result");
  }

  private static Map<String, Long> meminfo() throws Exception {
    return io.herald.sources.reporting.HostSample.meminfo(
        Files.readString(Path.of("/proc/meminfo")));
  }

  @Test
  void memoryAlertFromThisHostReachesSubscribersWildcardAndTheMethod(Vertx vertx) throws Exception {
    Node herald = TestNodes.standalone(vertx);
    AlertConfig config =
        config(
            unreachable()
                .put("alerts.interval-ms", 3_600_000)
                .put("alerts.memory.warning", 1)
                .put("alerts.memory.critical", 100)
                .put("alerts.memory.clear", 0));
    AlertEngine engine = start(vertx, herald, config, HostMetrics::read);
    try (WsClient c = WsClient.connect(vertx, herald.httpPort());
        WsClient all = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("alerts", Alerts.EVENT);
      all.subscribe("all", "*");
      long before = System.currentTimeMillis();
      TestNodes.await(engine.evaluate());
      long after = System.currentTimeMillis();
      Map<String, Long> mem = meminfo();

      JsonObject added = alertEvent(c);
      assertEquals("added", added.getString("msg"));
      JsonObject alert = added.getJsonObject("fields");
      for (String key : ALERT_KEYS) {
        assertTrue(alert.containsKey(key), key);
      }
      assertEquals(alert.getString("uuid"), added.getString("id"));
      assertEquals(alert.getString("uuid"), alert.getString("id"));
      assertEquals(herald.nodeId(), alert.getString("node"));
      assertEquals("MemoryUsage", alert.getString("source"));
      assertEquals("MemoryUsage", alert.getString("klass"));
      assertEquals("WARNING", alert.getString("level"));
      assertEquals("memory", alert.getString("key"));
      assertEquals(false, alert.getBoolean("dismissed"));
      assertEquals(false, alert.getBoolean("one_shot"));
      long raised = alert.getJsonObject("datetime").getLong("$date");
      assertTrue(raised >= before && raised <= after, "raised during the evaluation");
      assertEquals(raised, alert.getJsonObject("last_occurrence").getLong("$date"));

      JsonObject args = alert.getJsonObject("args");
      assertEquals(mem.get("MemTotal"), args.getLong("total"));
      long available = args.getLong("available");
      assertTrue(
          Math.abs(available - mem.get("MemAvailable")) < mem.get("MemTotal") / 20,
          "available " + available + " vs /proc/meminfo " + mem.get("MemAvailable"));
      double percent = args.getDouble("percent");
      assertEquals(
          (args.getLong("total") - available) * 100.0 / args.getLong("total"), percent, 0.051);
      assertEquals(1, args.getInteger("threshold"));
      assertEquals(
          String.format(java.util.Locale.ROOT, "Memory use is %.1f%% (threshold 1%%).", percent),
          alert.getString("formatted"));
      assertEquals(alert.getString("formatted"), alert.getString("text"));

      assertEquals(added, alertEvent(all), "* subscribers get alert events");
      assertEquals(
          new JsonArray().add(alert),
          listed(c, 1),
          "the only alert: disks and load are below threshold");

      // A later subscriber asking for the snapshot gets the standing alert before its ready.
      try (WsClient late = WsClient.connect(vertx, herald.httpPort())) {
        late.send(subSnapshot("late", Alerts.EVENT));
        assertEquals(added, late.next());
        assertEquals(
            new JsonObject().put("msg", "ready").put("subs", new JsonArray().add("late")),
            late.next());
      }
    }
  }

  @Test
  void hysteresisSequenceIsExact(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    AtomicReference<HostMetrics> host = new AtomicReference<>();
    AlertEngine engine =
        start(
            vertx,
            herald,
            config(
                new JsonObject()
                    .put("alerts.interval-ms", 3_600_000)
                    .put("alerts.memory.warning", 90)
                    .put("alerts.memory.critical", 95)
                    .put("alerts.memory.clear", 85)),
            host::get);
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("alerts", Alerts.EVENT);
      // Each step evaluates one reading of memory use, in tenths of a percent (total 1000 bytes).
      java.util.function.IntConsumer step =
          used -> {
            host.set(new HostMetrics(HostMetrics.Memory.of(1000, 1000 - used), null, null));
            TestNodes.await(engine.evaluate());
          };

      step.accept(899); // below warning: nothing
      step.accept(910); // raise
      JsonObject added = alertEvent(c);
      assertEquals("added", added.getString("msg"), "no event before the raise");
      String uuid = added.getString("id");
      JsonObject alert = added.getJsonObject("fields");
      assertEquals("WARNING", alert.getString("level"));
      assertEquals(91.0, alert.getJsonObject("args").getDouble("percent"));
      assertEquals(
          new JsonObject()
              .put("percent", 91.0)
              .put("total", 1000)
              .put("available", 90)
              .put("threshold", 90),
          alert.getJsonObject("args"));
      assertEquals("Memory use is 91.0% (threshold 90%).", alert.getString("formatted"));

      step.accept(910); // same value: nothing
      step.accept(960); // level up
      JsonObject critical = alertEvent(c);
      assertEquals("changed", critical.getString("msg"), "the same value sends nothing");
      assertEquals(uuid, critical.getString("id"));
      assertEquals("CRITICAL", critical.getJsonObject("fields").getString("level"));
      assertEquals(
          "Memory use is 96.0% (threshold 95%).",
          critical.getJsonObject("fields").getString("formatted"));
      assertEquals(
          alert.getJsonObject("datetime"),
          critical.getJsonObject("fields").getJsonObject("datetime"));

      step.accept(880); // between clear and warning: level down, no clear
      JsonObject down = alertEvent(c);
      assertEquals("changed", down.getString("msg"));
      assertEquals("WARNING", down.getJsonObject("fields").getString("level"));
      assertEquals(88.0, down.getJsonObject("fields").getJsonObject("args").getDouble("percent"));
      step.accept(850); // exactly the clear threshold: still standing
      assertEquals("changed", alertEvent(c).getString("msg"));
      assertEquals(1, listed(c, 1).size());

      assertEquals(
          new JsonObject().put("msg", "result").put("id", 2).putNull("result"),
          c.call(2, "alert.dismiss", new JsonArray().add(uuid)));
      JsonObject dismissed = alertEvent(c);
      assertEquals("changed", dismissed.getString("msg"));
      assertEquals(
          true,
          dismissed.getJsonObject("fields").getBoolean("dismissed"),
          "a rule alert stays, dismissed");

      step.accept(849); // below clear
      JsonObject removed = alertEvent(c);
      assertEquals(
          new JsonObject().put("msg", "removed").put("collection", Alerts.EVENT).put("id", uuid),
          removed);
      assertEquals(new JsonArray(), listed(c, 3));

      step.accept(930); // raised again: a new alert
      JsonObject again = alertEvent(c);
      assertEquals("added", again.getString("msg"));
      assertNotEquals(uuid, again.getString("id"));
      assertEquals(false, again.getJsonObject("fields").getBoolean("dismissed"));
    }
  }

  /**
   * Regression: every failed job raised a one-shot alert kept 24 h, uncapped, carrying the job's
   * error (text a client controls). At most {@link AlertEngine#MAX_ONE_SHOT} stand (the oldest
   * goes), each error clipped.
   */
  @Test
  void oneShotAlertsAreCappedAndTheirTextClipped(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx, unreachable().put("alerts.enabled", true).put("alerts.interval-ms", 3_600_000));
    TestNodes.await(
        herald.registerJobMethod(
            "test.fail_long", "", null, job -> Future.failedFuture("x".repeat(10_000))));
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      List<Long> ids = new java.util.ArrayList<>();
      for (int i = 0; i <= AlertEngine.MAX_ONE_SHOT; i++) {
        ids.add(c.call("f" + i, "test.fail_long", new JsonArray()).getLong("result"));
      }
      for (long id : ids) {
        c.call("w" + id, "core.job_wait", new JsonArray().add(id));
      }
      TestNodes.eventually(
          10_000,
          "the last job's alert",
          () ->
              listed(c, "l" + System.nanoTime()).stream()
                  .anyMatch(
                      a ->
                          ((JsonObject) a)
                              .getString("key")
                              .equals(Long.toString(ids.get(ids.size() - 1)))));
      JsonArray standing = listed(c, "final");
      assertEquals(AlertEngine.MAX_ONE_SHOT, standing.size());
      assertTrue(
          standing.stream()
              .noneMatch(a -> ((JsonObject) a).getString("key").equals(Long.toString(ids.get(0)))),
          "the oldest went");
      JsonObject args = standing.getJsonObject(0).getJsonObject("args");
      assertEquals(AlertEngine.MAX_ERROR_CHARS + 1, args.getString("error").length());
    }
  }

  @Test
  void failedJobRaisesOneShotAlertThatClearsAfterItsTtl(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx,
            unreachable()
                .put("alerts.enabled", true)
                .put("alerts.interval-ms", 50)
                .put("alerts.one-shot-ttl-ms", 300));
    TestNodes.await(
        herald.registerJobMethod(
            "test.fail",
            "",
            null,
            job -> Future.failedFuture(new CallError(Errno.EINVAL, "bad input"))));
    try (WsClient c = WsClient.connect(vertx, herald.httpPort());
        WsClient all = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("alerts", Alerts.EVENT);
      all.subscribe("all", "*");
      long id = c.call(1, "test.fail", new JsonArray().add("x")).getLong("result");

      JsonObject added = alertEvent(c);
      assertEquals("added", added.getString("msg"));
      JsonObject alert = added.getJsonObject("fields");
      for (String key : ALERT_KEYS) {
        assertTrue(alert.containsKey(key), key);
      }
      assertEquals("JobFailed", alert.getString("source"));
      assertEquals("WARNING", alert.getString("level"));
      assertEquals(true, alert.getBoolean("one_shot"));
      assertEquals(Long.toString(id), alert.getString("key"));
      assertEquals(
          new JsonObject().put("id", id).put("method", "test.fail").put("error", "bad input"),
          alert.getJsonObject("args"));
      assertEquals("Job " + id + " (test.fail) failed: bad input.", alert.getString("formatted"));
      assertEquals(herald.nodeId(), alert.getString("node"));

      JsonObject removed = alertEvent(c);
      assertEquals(
          new JsonObject()
              .put("msg", "removed")
              .put("collection", Alerts.EVENT)
              .put("id", added.getString("id")),
          removed,
          "cleared after the TTL");
      assertEquals(new JsonArray(), listed(c, 2));

      assertEquals(added, alertEvent(all));
      assertEquals(removed, alertEvent(all));
    }
  }

  @Test
  void dismissingAOneShotAlertRemovesIt(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, unreachable().put("alerts.enabled", true));
    TestNodes.await(
        herald.registerJobMethod("test.fail", "", null, job -> Future.failedFuture("boom")));
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("alerts", Alerts.EVENT);
      c.call(1, "test.fail", new JsonArray());
      String uuid = alertEvent(c).getString("id");
      assertEquals(uuid, listed(c, 2).getJsonObject(0).getString("uuid"));
      c.call(3, "alert.dismiss", new JsonArray().add(uuid));
      assertEquals("removed", alertEvent(c).getString("msg"));
      assertEquals(
          "ENOENT",
          c.call(4, "alert.dismiss", new JsonArray().add(uuid))
              .getJsonObject("error")
              .getString("errname"));
      assertEquals(new JsonArray(), listed(c, 5));
    }
  }

  @Test
  void engineStopsWithTheNode(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx, unreachable().put("alerts.enabled", true).put("alerts.interval-ms", 20));
    assertEquals(
        4,
        vertx.deploymentIDs().size(),
        "the server, the source host, the alert engine, cluster.nodes");
    TestNodes.await(herald.close());
    assertEquals(java.util.Set.of(), vertx.deploymentIDs());
  }

  @Test
  void disabledNodeHasNoAlertEvent(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("alerts.enabled", false));
    assertFalse(herald.catalogue().containsKey(Alerts.EVENT));
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.send(sub("a", Alerts.EVENT));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("ENOENT", nosub.getJsonObject("error").getString("errname"));
    }
  }

  @Test
  void thresholdsOutOfOrderFailTheStart(Vertx vertx) {
    Throwable failure =
        assertThrows(
            Throwable.class,
            () ->
                TestNodes.standalone(
                    vertx,
                    new JsonObject().put("alerts.enabled", true).put("alerts.disk.clear", 92)));
    assertTrue(String.valueOf(failure.getMessage()).contains("alerts.disk"), failure.toString());
  }
}

package io.herald.node;

import static io.herald.support.Messages.subSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.MethodDescriptor;
import io.herald.TypedValues;
import io.herald.support.Http;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard of issue 7: nothing Node describes or sends contains an object that the original's
 * clients would decode as a typed value but is not one ({@code {"$date": <integer>}} is the only
 * typed value Node sends). Walks every registered event and method schema of a node with every
 * built-in feature on, and every message of a session that exercises each built-in event and
 * method.
 */
@ExtendWith(VertxExtension.class)
class TypedValuesGuardIT {

  @Test
  void everySchemaAndEveryBuiltInMessageDecodesAsTheOriginalsClientsExpect(
      Vertx vertx, @TempDir Path dir) throws Exception {
    Path log = dir.resolve("app.log");
    Files.writeString(log, "first\nsecond\n");
    Node herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("files.roots", dir.toString())
                .put("alerts.enabled", true)
                .put("alerts.interval-ms", 200)
                .put("alerts.memory.warning", 1)
                .put("alerts.memory.critical", 100)
                .put("alerts.memory.clear", 0));

    List<String> problems = new ArrayList<>();
    int schemas = 0;
    for (EventDescriptor event : herald.registeredEvents()) {
      problems.addAll(where("event " + event.name(), event.toJson()));
      schemas++;
    }
    for (MethodDescriptor method : herald.registeredMethods()) {
      problems.addAll(where("method " + method.name(), method.params()));
      schemas++;
    }
    assertTrue(schemas >= 15, "every built-in event and method is walked: " + schemas);

    List<String> sent = new ArrayList<>();
    try (WsClient all = WsClient.connect(vertx, herald.httpPort());
        WsClient c = WsClient.connect(vertx, herald.httpPort());
        WsClient rpc = WsClient.connect(vertx, herald.httpPort(), "/api/current")) {
      all.subscribe("all", "*");
      // What the JSON-RPC endpoint sends is read by the same clients: its `*` is walked too.
      rpc.send(
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("id", 1)
              .put("method", "core.subscribe")
              .put("params", new JsonArray().add("*")));
      rpc.next(m -> Integer.valueOf(1).equals(m.getValue("id")));
      c.send(subSnapshot("jobs", "core.get_jobs"));
      c.next(m -> "ready".equals(m.getString("msg")));
      c.subscribe("realtime", "reporting.realtime:{\"interval\": 1}");
      c.subscribe("tail", "filesystem.file_tail_follow:" + log);
      Files.writeString(log, "third\n", java.nio.file.StandardOpenOption.APPEND);

      long done =
          c.call(1, "filesystem.checksum", new JsonArray().add(log.toString())).getLong("result");
      long failed =
          c.call(2, "filesystem.checksum", new JsonArray().add(dir.resolve("missing").toString()))
              .getLong("result");
      long bulk =
          c.call(
                  3,
                  "core.bulk",
                  new JsonArray().add("core.ping").add(new JsonArray().add(new JsonArray())))
              .getLong("result");
      assertTrue(c.call(4, "core.job_wait", new JsonArray().add(done)).containsKey("result"));
      assertEquals(
          "ENOENT",
          c.call(5, "core.job_wait", new JsonArray().add(failed))
              .getJsonObject("error")
              .getString("errname"));
      assertTrue(c.call(6, "core.job_wait", new JsonArray().add(bulk)).containsKey("result"));

      // Every built-in event has been sent at least once before the transcript is read.
      c.next(m -> "reporting.realtime:{\"interval\": 1}".equals(m.getString("collection")));
      c.next(
          m ->
              m.getString("collection", "").startsWith("filesystem.file_tail_follow:")
                  && m.getJsonObject("fields").getString("data", "").contains("third"));
      all.next(
          m ->
              "alert.list".equals(m.getString("collection"))
                  && "JobFailed".equals(m.getJsonObject("fields").getString("source")));
      // The memory alert may be raised before the `*` subscriber is there (the engine evaluates at
      // once):
      // once it stands, a snapshot subscription sends it.
      TestNodes.eventually(
          10_000,
          "the memory alert stands",
          () ->
              c
                  .call("l" + System.nanoTime(), "alert.list", new JsonArray())
                  .getJsonArray("result")
                  .stream()
                  .anyMatch(a -> "MemoryUsage".equals(((JsonObject) a).getString("source"))));
      c.send(subSnapshot("alerts", "alert.list"));
      JsonObject memoryAlert =
          c.next(
              m ->
                  "alert.list".equals(m.getString("collection"))
                      && "MemoryUsage".equals(m.getJsonObject("fields").getString("source")));
      c.next(m -> "ready".equals(m.getString("msg")));
      assertTrue(TypedValues.isDate(memoryAlert.getJsonObject("fields").getJsonObject("datetime")));

      JsonObject events = c.call(10, "core.get_events", new JsonArray());
      assertTrue(events.getJsonObject("result").containsKey("alert.list"));
      c.call(11, "core.get_jobs", new JsonArray());
      c.call(12, "alert.list", new JsonArray());
      c.call(13, "cluster.nodes", new JsonArray());
      c.call(14, "core.ping", new JsonArray());

      sent.addAll(all.transcript());
      sent.addAll(c.transcript());
      rpc.next(
          m ->
              "collection_update".equals(m.getString("method"))
                  && "alert.list".equals(m.getJsonObject("params").getString("collection")));
      sent.addAll(rpc.transcript());
    }
    Http.Page catalogue = Http.get(herald.httpPort(), "/api/events");
    assertEquals(200, catalogue.status());
    sent.add(catalogue.body());

    long dates = 0;
    for (String message : sent) {
      Object json = io.vertx.core.json.Json.decodeValue(message);
      String what = message.length() > 80 ? message.substring(0, 80) + "…" : message;
      problems.addAll(where(what, json));
      dates += message.split("\"\\$date\"", -1).length - 1;
    }
    assertTrue(dates > 10, "the transcript holds the dates of jobs, alerts and nodes: " + dates);
    assertEquals(List.of(), problems);
  }

  private static List<String> where(String what, Object json) {
    return TypedValues.mistakable(json).stream().map(pointer -> what + " at " + pointer).toList();
  }
}

package io.herald;

import static io.herald.support.Messages.ping;
import static io.herald.support.Messages.pong;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every request/response example of the user's document (shared/seed/websocket-events.md), sent and
 * checked verbatim. The jobs events are published by the test with the document's payloads; {@code
 * reporting.realtime} is the real source, checked against the document's shape.
 */
@ExtendWith(VertxExtension.class)
class SeedExamplesIT {

  static final String JOB_79_CHANGED =
      """
      {
          "msg": "changed",
          "collection": "core.get_jobs",
          "id": 79,
          "fields": {
              "id": 79, "method": "zfs.pool.scrub",
              "arguments": ["vol1", "START"], "logs_path": null,
              "logs_excerpt": null,
              "progress": {"percent": 0.001258680822502356, "description": "Scrubbing", "extra": null},
              "result": null, "error": null, "exception": null, "exc_info": null,
              "state": "RUNNING", "time_started": {"$date": 1571297741181},
              "time_finished": null
          }
      }""";

  static final String REALTIME_ADDED =
      """
      {
          "msg": "added", "collection": "reporting.realtime",
          "fields": {
              "virtual_memory": {
                  "total": 4784615424, "available": 854155264, "percent": 82.1,
                  "used": 3779424256, "free": 136634368, "active": 894599168,
                  "inactive": 717520896, "buffers": 0, "cached": 0,
                  "shared": 188002304, "wired": 2884825088
              },
              "cpu": {"temperature": {}},
              "interfaces": {
                  "em0": {
                      "received_bytes": 1068597254, "received_bytes_last": 1068597254,
                      "sent_bytes": 78087857, "sent_bytes_last": 78087857
                  },
                  "lo0": {
                      "received_bytes": 358364554, "received_bytes_last": 358364554,
                      "sent_bytes": 358360787, "sent_bytes_last": 358360787
                  }
              }
          }
      }""";

  static final String JOB_26_ADDED =
      """
      {
          "msg": "added", "collection": "core.get_jobs", "id": 26,
          "fields": {
              "id": 26, "method": "chart.release.redeploy", "arguments": ["abc"],
              "logs_path": null, "logs_excerpt": null,
              "progress": {"percent": null, "description": null, "extra": null},
              "result": null, "error": null, "exception": null, "exc_info": null,
              "state": "WAITING", "time_started": {"$date": 1571305262662},
              "time_finished": null
          }
      }""";

  private Vertx vertx;
  private Node herald;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
    // core.get_jobs is the node's own jobs event; the test publishes the document's payloads on it.
  }

  private static EventMessage asPublished(String frame) {
    return EventMessage.fromFrame(new JsonObject(frame));
  }

  @Test
  void wildcardSubscriptionThenJobEvent() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.sendText(
          """
          {
              "id": "ad4dea8f-53a8-9a5c-1825-523e218c13ca",
              "name": "*",
              "msg": "sub"
          }""");
      assertEquals(
          new JsonObject(
              """
          {
              "msg": "ready",
              "subs": ["ad4dea8f-53a8-9a5c-1825-523e218c13ca"]
          }"""),
          c.next());
      TestNodes.await(herald.publish("core.get_jobs", asPublished(JOB_79_CHANGED)));
      assertEquals(new JsonObject(JOB_79_CHANGED), c.next());
    }
  }

  @Test
  void realtimeSubscriptionThenUnsubscription() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.sendText(
          """
          {
              "id": "8592f7c2-ce2b-4466-443a-80bbae5937d9",
              "name": "reporting.realtime",
              "msg": "sub"
          }""");
      assertEquals(
          new JsonObject(
              """
          {
              "msg": "ready",
              "subs": ["8592f7c2-ce2b-4466-443a-80bbae5937d9"]
          }"""),
          c.next());
      // The real source answers with this host's values: check the document's shape, key by key.
      JsonObject added = c.next();
      JsonObject expected = new JsonObject(REALTIME_ADDED);
      assertEquals(expected.getString("msg"), added.getString("msg"));
      assertEquals(expected.getString("collection"), added.getString("collection"));
      assertEquals(false, added.containsKey("id"));
      JsonObject fields = added.getJsonObject("fields");
      for (String key :
          expected.getJsonObject("fields").getJsonObject("virtual_memory").fieldNames()) {
        assertEquals(true, fields.getJsonObject("virtual_memory").containsKey(key), key);
      }
      assertEquals(true, fields.getJsonObject("cpu").getValue("temperature") instanceof JsonObject);
      JsonObject lo = fields.getJsonObject("interfaces").getJsonObject("lo");
      for (String key :
          expected
              .getJsonObject("fields")
              .getJsonObject("interfaces")
              .getJsonObject("lo0")
              .fieldNames()) {
        assertEquals(true, lo.getValue(key) instanceof Number, key);
      }
      c.sendText(
          """
          {
              "id": "8592f7c2-ce2b-4466-443a-80bbae5937d9",
              "msg": "unsub"
          }""");
      TestNodes.eventually(5000, "source stopped", () -> herald.stats().sources.get() == 0);
      // "The server does not send a response for this call": only ticks already in flight may
      // follow.
      c.send(ping("end"));
      JsonObject last = c.next(m -> !"added".equals(m.getString("msg")));
      assertEquals(pong("end"), last);
    }
  }

  @Test
  void jobsSubscriptionThenAddedJob() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.sendText(
          """
          {
              "id": "19922f7c2-ce2b-4455-443a-80bbae5937a2",
              "name": "core.get_jobs",
              "msg": "sub"
          }""");
      assertEquals(
          new JsonObject(
              """
          {
              "msg": "ready",
              "subs": ["19922f7c2-ce2b-4455-443a-80bbae5937a2"]
          }"""),
          c.next());
      TestNodes.await(herald.publish("core.get_jobs", asPublished(JOB_26_ADDED)));
      assertEquals(new JsonObject(JOB_26_ADDED), c.next());
    }
  }
}

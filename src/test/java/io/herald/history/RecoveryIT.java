package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.Messages;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Recovery after a reconnect, through real websockets on a three-node cluster: a client subscribed
 * with positions loses its connection while events flow, reconnects to another node with {@code
 * since} and gets exactly what it missed — no gap, no duplicate — then {@code ready} with {@code
 * recovered: true} and the live stream; also after the node it was on stopped cleanly, and after
 * the publisher crashed; a position older than the history is {@code recovered: false}.
 */
@ExtendWith(VertxExtension.class)
class RecoveryIT {

  private static final String EVENT = "recovery.ticks";

  private static void publish(Node node, int from, int to) {
    for (int i = from; i <= to; i++) {
      TestNodes.await(node.publish(EVENT, EventMessage.changed(i, new JsonObject().put("n", i))));
    }
  }

  /** Reads {@code count} events of {@link #EVENT}: their ids, and the last one's position. */
  private static String read(WsClient c, int count, List<Integer> ids) {
    String position = null;
    for (int i = 0; i < count; i++) {
      JsonObject m = c.next(Messages::isEvent);
      assertEquals(EVENT, m.getString("collection"));
      ids.add(m.getInteger("id"));
      position = m.getString("position");
      assertNotNull(position, "every message carries its position: " + m.encode());
    }
    return position;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void aClientRecoversWhatItMissedOnAnotherNodeAfterACleanDisconnectAndAfterItsNodeCrashed() {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node a = cluster.start();
      Node b = cluster.start();
      Node c = cluster.start();
      TestNodes.await(
          a.registerEvent(
              EventDescriptor.broadcast(EVENT)
                  .description("ticks")
                  .history(1000, 600_000)
                  .build()));
      TestNodes.eventually(
          10_000,
          "every node knows the event",
          () -> c.catalogue().containsKey(EVENT) && b.catalogue().containsKey(EVENT));

      // 1. Subscribed with positions on A (the publisher); the connection drops after 10.
      String position;
      List<Integer> seen = new ArrayList<>();
      try (WsClient onA = WsClient.connect(cluster.vertx(0), "onA", a.httpPort())) {
        onA.send(Messages.sub("t", EVENT).put("positions", true));
        JsonObject ready = onA.next();
        assertEquals("ready", ready.getString("msg"), ready.encode());
        assertNotNull(ready.getString("position"));
        publish(a, 1, 10);
        position = read(onA, 10, seen);
      }
      publish(a, 11, 20);

      // 2. Reconnected to B with since: 11..20 first, then ready (recovered), then live.
      try (WsClient onB = WsClient.connect(cluster.vertx(1), "onB", b.httpPort())) {
        onB.send(Messages.sub("t", EVENT).put("since", position));
        List<Integer> missed = new ArrayList<>();
        position = read(onB, 10, missed);
        assertEquals(range(11, 20), missed, "exactly what was missed, in order");
        JsonObject ready = onB.next();
        assertEquals("ready", ready.getString("msg"), ready.encode());
        assertEquals(true, ready.getBoolean("recovered"), ready.encode());
        publish(a, 21, 25);
        List<Integer> live = new ArrayList<>();
        position = read(onB, 5, live);
        assertEquals(range(21, 25), live);
        // B, the client's node, stops cleanly: its websockets are closed with 1012.
        TestNodes.await(b.close());
        assertEquals(1012, onB.awaitClose());
      }
      publish(a, 26, 30);

      // 3. A, the publisher, dies (as kill -9 would: no goodbye); its publications the client
      // missed
      // are still in the history, which A's death does not lose.
      cluster.awaitSafe(2);
      cluster.crash(0);
      try (WsClient onC = WsClient.connect(cluster.vertx(2), "onC", c.httpPort())) {
        onC.send(Messages.sub("t", EVENT).put("since", position));
        List<Integer> missed = new ArrayList<>();
        read(onC, 5, missed);
        assertEquals(range(26, 30), missed);
        JsonObject ready = onC.next();
        assertEquals(true, ready.getBoolean("recovered"), ready.encode());
        onC.expectSilence(300);
      }
    }
  }

  @Test
  void aPositionOlderThanTheHistoryIsNotRecoveredAndBadRequestsAreRefused(Vertx vertx) {
    Node node = TestNodes.standalone(vertx);
    try {
      TestNodes.await(
          node.registerEvent(
              EventDescriptor.broadcast(EVENT).description("ticks").history(5, 600_000).build()));
      String position;
      try (WsClient c = WsClient.connect(vertx, node.httpPort())) {
        c.send(Messages.sub("t", EVENT).put("positions", true));
        position = c.next().getString("position");
      }
      publish(node, 1, 20);
      try (WsClient c = WsClient.connect(vertx, node.httpPort())) {
        c.send(Messages.sub("t", EVENT).put("since", position));
        List<Integer> left = new ArrayList<>();
        read(c, 5, left);
        assertEquals(range(16, 20), left, "what the history still holds");
        JsonObject ready = c.next();
        assertEquals(false, ready.getBoolean("recovered"), ready.encode());

        for (JsonObject bad :
            List.of(
                Messages.sub("x1", EVENT).put("since", "not-a-position"),
                Messages.sub("x2", "*").put("positions", true),
                Messages.sub("x3", EVENT).put("since", position).put("snapshot", true),
                Messages.sub("x5", "reporting.realtime").put("positions", true))) {
          c.send(bad);
          JsonObject nosub = c.next(m -> "nosub".equals(m.getString("msg")));
          assertEquals(bad.getString("id"), nosub.getString("id"));
          assertEquals("EINVAL", nosub.getJsonObject("error").getString("errname"), nosub.encode());
        }
        c.send(Messages.sub("x4", EVENT).put("since", 7));
        assertEquals("error", c.next().getString("msg"), "since must be a string");
      }
    } finally {
      TestNodes.await(node.close());
    }
  }

  /**
   * A snapshot with positions: the current jobs, then ready with where the snapshot stands, then
   * positioned messages; a reconnect since the last one recovers the job events missed meanwhile.
   */
  @Test
  void aSnapshotWithPositionsIsAPlaceToRecoverFrom(Vertx vertx) {
    Node node = TestNodes.standalone(vertx);
    try {
      String position;
      try (WsClient c = WsClient.connect(vertx, node.httpPort())) {
        long done =
            c.call(1, "core.bulk", new JsonArray().add("core.ping").add(new JsonArray()))
                .getLong("result");
        c.call(2, "core.job_wait", new JsonArray().add(done));
        c.send(Messages.subSnapshot("j", "core.get_jobs").put("positions", true));
        JsonObject item = c.next();
        assertEquals("added", item.getString("msg"), item.encode());
        assertEquals(done, item.getLong("id"));
        JsonObject ready = c.next();
        assertEquals("ready", ready.getString("msg"), ready.encode());
        position = ready.getString("position");
        assertNotNull(position);
        long next =
            c.call(3, "core.bulk", new JsonArray().add("core.ping").add(new JsonArray()))
                .getLong("result");
        JsonObject ended = c.next(Messages.jobIn(next, "SUCCESS"));
        position = ended.getString("position");
        assertNotNull(position, "messages after the snapshot carry positions: " + ended.encode());
      }
      long missed;
      try (WsClient other = WsClient.connect(vertx, node.httpPort())) {
        missed =
            other
                .call(1, "core.bulk", new JsonArray().add("core.ping").add(new JsonArray()))
                .getLong("result");
        other.call(2, "core.job_wait", new JsonArray().add(missed));
      }
      try (WsClient c = WsClient.connect(vertx, node.httpPort())) {
        c.send(Messages.sub("j", "core.get_jobs").put("since", position));
        JsonObject ready = c.next(m -> "ready".equals(m.getString("msg")));
        assertEquals(true, ready.getBoolean("recovered"), ready.encode());
        assertTrue(
            c.history().stream().anyMatch(r -> Messages.jobIn(missed, "SUCCESS").test(r.msg())),
            "the missed job's end was recovered");
      }
    } finally {
      TestNodes.await(node.close());
    }
  }

  @Test
  void jsonRpcSubscribersRecoverThroughCoreSubscribeOptions(Vertx vertx) {
    Node node = TestNodes.standalone(vertx);
    try {
      TestNodes.await(
          node.registerEvent(
              EventDescriptor.broadcast(EVENT).description("ticks").history(100, 600_000).build()));
      String position;
      try (WsClient c = WsClient.connect(vertx, node.httpPort(), "/api/current")) {
        c.send(rpc(1, new JsonArray().add(EVENT).add(new JsonObject().put("positions", true))));
        JsonObject result = c.next().getJsonObject("result");
        assertFalse(result.getString("id").isEmpty());
        publish(node, 1, 3);
        JsonObject update = null;
        for (int i = 1; i <= 3; i++) {
          update = c.next(m -> "collection_update".equals(m.getString("method")));
          assertEquals(i, update.getJsonObject("params").getInteger("id"));
        }
        position = update.getJsonObject("params").getString("position");
      }
      publish(node, 4, 6);
      try (WsClient c = WsClient.connect(vertx, node.httpPort(), "/api/current")) {
        c.send(rpc(2, new JsonArray().add(EVENT).add(new JsonObject().put("since", position))));
        for (int i = 4; i <= 6; i++) {
          JsonObject update = c.next();
          assertEquals("collection_update", update.getString("method"), update.encode());
          assertEquals(i, update.getJsonObject("params").getInteger("id"));
        }
        JsonObject result = c.next().getJsonObject("result");
        assertTrue(result.getBoolean("recovered"), result.encode());
      }
    } finally {
      TestNodes.await(node.close());
    }
  }

  private static JsonObject rpc(Object id, JsonArray params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", id)
        .put("method", "core.subscribe")
        .put("params", params);
  }
}

package io.herald.jobs;

import static io.herald.support.Messages.method;
import static io.herald.support.Messages.subSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.Messages;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jobs in a cluster: ids, queries, abort and wait from any node, and the jobs of a node that dies
 * or stops.
 */
@ExtendWith(VertxExtension.class)
class ClusterJobsIT {

  private static void registerBlocking(Node node) {
    TestNodes.await(
        node.registerJobMethod(
            "test.block",
            "",
            null,
            job -> {
              Promise<Object> done = Promise.promise();
              job.abortRequested().onSuccess(v -> done.tryComplete("aborted"));
              return done.future();
            }));
    TestNodes.await(
        node.registerJobMethod("test.quick", "", null, job -> Future.succeededFuture(job.id())));
  }

  private static JsonObject terminal(WsClient c, long id) {
    return c.next(Messages.jobIn(id, "SUCCESS|FAILED|ABORTED"));
  }

  @Test
  void jobsOfEveryNodeAreVisibleAndControllableFromAnyNode(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node a = cluster.start();
      Node b = cluster.start();
      registerBlocking(a);
      registerBlocking(b);
      try (WsClient onA = WsClient.connect(client, a.httpPort());
          WsClient onB = WsClient.connect(client, b.httpPort())) {
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
          ids.add(onA.call("a" + i, "test.quick", new JsonArray()).getLong("result"));
          ids.add(onB.call("b" + i, "test.quick", new JsonArray()).getLong("result"));
        }
        assertEquals(10, ids.size(), "job ids are unique across the cluster");

        long blocked = onA.call(1, "test.block", new JsonArray()).getLong("result");
        JsonArray running =
            onB.call(
                    2,
                    "core.get_jobs",
                    new JsonArray()
                        .add(
                            new JsonArray()
                                .add(new JsonArray().add("state").add("=").add("RUNNING"))))
                .getJsonArray("result");
        assertEquals(1, running.size(), running.encode());
        assertEquals(blocked, running.getJsonObject(0).getLong("id"));
        assertEquals(
            11,
            onB.call(
                    3,
                    "core.get_jobs",
                    new JsonArray().add(new JsonArray()).add(new JsonObject().put("count", true)))
                .getInteger("result"));

        onB.send(method("wait", "core.job_wait", new JsonArray().add(blocked)));
        onB.call(4, "core.job_abort", new JsonArray().add(blocked));
        JsonObject waited = onB.next(Messages.resultOf("wait"));
        assertEquals("EINTR", waited.getJsonObject("error").getString("errname"), waited.encode());

        long quick = onB.call(5, "test.quick", new JsonArray()).getLong("result");
        assertEquals(
            quick, onA.call(6, "core.job_wait", new JsonArray().add(quick)).getLong("result"));
        assertEquals(
            "ENOENT",
            onA.call(7, "core.job_wait", new JsonArray().add(999_999))
                .getJsonObject("error")
                .getString("errname"));
      }
    }
  }

  @Test
  void snapshotOnOneNodeHoldsTheJobsOfEveryNode(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node a = cluster.start();
      Node b = cluster.start();
      registerBlocking(a);
      try (WsClient onA = WsClient.connect(client, a.httpPort());
          WsClient onB = WsClient.connect(client, b.httpPort())) {
        long blocked = onA.call(1, "test.block", new JsonArray()).getLong("result");
        onB.send(subSnapshot("jobs", "core.get_jobs"));
        JsonObject first = onB.next();
        assertEquals("added", first.getString("msg"));
        assertEquals(blocked, first.getLong("id"));
        assertEquals("ready", onB.next().getString("msg"));
        onA.call(2, "core.job_abort", new JsonArray().add(blocked));
        assertEquals("ABORTED", terminal(onB, blocked).getJsonObject("fields").getString("state"));
      }
    }
  }

  @Test
  void unfinishedJobsOfADeadNodeEndFailedOnASurvivor(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node survivor = cluster.start();
      Node doomed = cluster.start();
      registerBlocking(doomed);
      try (WsClient watcher = WsClient.connect(client, survivor.httpPort());
          WsClient onDoomed = WsClient.connect(client, doomed.httpPort())) {
        watcher.subscribe("jobs", "core.get_jobs");
        watcher.subscribe("nodes", "cluster.nodes");
        long id = onDoomed.call(1, "test.block", new JsonArray()).getLong("result");
        watcher.next(Messages.jobIn(id, "RUNNING"));
        watcher.send(method("wait", "core.job_wait", new JsonArray().add(id)));
        TestNodes.eventually(
            5000,
            "the job is mirrored",
            () ->
                TestNodes.await(
                        survivor
                            .vertx()
                            .sharedData()
                            .<Long, JsonObject>getAsyncMap("herald.jobs.live")
                            .compose(m -> m.get(id)))
                    != null);

        cluster.awaitSafe(0);
        cluster.crash(1);

        JsonObject failed = terminal(watcher, id).getJsonObject("fields");
        assertEquals("FAILED", failed.getString("state"));
        assertTrue(failed.getString("error").contains(doomed.nodeId()), failed.getString("error"));
        assertTrue(failed.getJsonObject("time_finished") != null);
        JsonObject waited = watcher.next(Messages.resultOf("wait"));
        assertTrue(
            waited.getJsonObject("error").getString("reason").contains(doomed.nodeId()),
            waited.encode());
        JsonObject listed =
            watcher
                .call(
                    2,
                    "core.get_jobs",
                    new JsonArray()
                        .add(new JsonArray().add(new JsonArray().add("id").add("=").add(id)))
                        .add(new JsonObject().put("get", true)))
                .getJsonObject("result");
        assertEquals("FAILED", listed.getString("state"));
        JsonObject gone = watcher.next(m -> "cluster.nodes".equals(m.getString("collection")));
        assertEquals(
            new JsonObject()
                .put("msg", "removed")
                .put("collection", "cluster.nodes")
                .put("id", doomed.nodeId()),
            gone);
      }
    }
  }

  @Test
  void aNodeThatStopsFailsItsJobsAndHandsItsHistoryOver(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node staying = cluster.start();
      Node leaving = cluster.start();
      registerBlocking(leaving);
      try (WsClient watcher = WsClient.connect(client, staying.httpPort())) {
        watcher.subscribe("jobs", "core.get_jobs");
        long done = (Long) TestNodes.await(leaving.call("test.quick", new JsonArray()));
        long blocked = (Long) TestNodes.await(leaving.call("test.block", new JsonArray()));
        terminal(watcher, done);
        TestNodes.await(leaving.close());
        JsonObject failed = terminal(watcher, blocked).getJsonObject("fields");
        assertEquals("FAILED", failed.getString("state"));
        assertTrue(failed.getString("error").contains("stopped"), failed.getString("error"));
        JsonArray ids =
            watcher
                .call(
                    1,
                    "core.get_jobs",
                    new JsonArray()
                        .add(new JsonArray())
                        .add(
                            new JsonObject()
                                .put("select", new JsonArray().add("id"))
                                .put("order_by", new JsonArray().add("id"))))
                .getJsonArray("result");
        assertEquals(
            new JsonArray()
                .add(new JsonObject().put("id", done))
                .add(new JsonObject().put("id", blocked)),
            ids);
        assertNotEquals(0, ids.size());
      }
    }
  }
}

package io.herald.jobs;

import static io.herald.support.Messages.subSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.JobHandler;
import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code "snapshot": true}: the current jobs first, then ready, then the changes — under churn. */
@ExtendWith(VertxExtension.class)
class SnapshotIT {

  private static final int JOBS = 300;
  private static final int CLIENTS = 6;

  @Test
  void everyJobsFinalStateIsSeenExactlyOnceUnderChurn(Vertx vertx) throws Exception {
    Node herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("jobs.max-running", 8)
                .put("jobs.progress-interval-ms", 0)
                .put("jobs.history-size", 10_000));
    JobHandler churn =
        job -> {
          Future<Void> steps = Future.succeededFuture();
          for (int i = 1; i <= 3; i++) {
            int step = i;
            steps =
                steps.compose(
                    v ->
                        vertx
                            .timer(ThreadLocalRandom.current().nextInt(1, 4))
                            .map(
                                t -> {
                                  job.setProgress(step * 25, "step " + step, null);
                                  return null;
                                }));
          }
          return steps.map(v -> "ok");
        };

    TestNodes.await(herald.registerJobMethod("test.churn", "Progress in four steps.", null, churn));
    List<WsClient> clients = new ArrayList<>();
    List<Long> submitted = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      submitted.add((Long) TestNodes.await(herald.call("test.churn", new JsonArray())));
      if (i % (JOBS / CLIENTS) == JOBS / CLIENTS / 2) {
        WsClient c = WsClient.connect(vertx, herald.httpPort());
        c.send(subSnapshot("s", "core.get_jobs"));
        clients.add(c);
      }
      if (i % 20 == 10) {
        // Churn: before going on, the job submitted ten earlier has ended, so that later
        // subscribers find jobs
        // finished, running and waiting.
        TestNodes.await(herald.call("core.job_wait", new JsonArray().add(submitted.get(i - 10))));
      }
    }
    for (long id : submitted) {
      TestNodes.await(herald.call("core.job_wait", new JsonArray().add(id)));
    }

    for (WsClient c : clients) {
      try (c) {
        // Collect until every job's final state has arrived (bus delivery is asynchronous), then
        // make sure
        // nothing else follows: a duplicate would.
        List<JsonObject> messages = new ArrayList<>();
        java.util.Set<Long> ended = new java.util.HashSet<>();
        while (ended.size() < submitted.size()) {
          JsonObject m = c.next();
          messages.add(m);
          if (m.getJsonObject("fields") != null
              && "SUCCESS".equals(m.getJsonObject("fields").getString("state"))) {
            ended.add(m.getLong("id"));
          }
        }
        c.expectSilence(300);
        assertSnapshotThenStream(messages, submitted);
      }
    }
  }

  private static void assertSnapshotThenStream(List<JsonObject> messages, List<Long> submitted) {
    int ready = -1;
    for (int i = 0; i < messages.size(); i++) {
      if ("ready".equals(messages.get(i).getString("msg"))) {
        assertEquals(-1, ready, "one ready");
        ready = i;
      }
    }
    assertTrue(ready >= 0, "ready received");
    for (int i = 0; i < ready; i++) {
      assertEquals(
          "added", messages.get(i).getString("msg"), "only the snapshot's added before ready");
    }
    Map<Long, Integer> finals = new HashMap<>();
    Map<Long, Boolean> known = new HashMap<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.get(i);
      if (i == ready) {
        continue;
      }
      long id = m.getLong("id");
      String state = m.getJsonObject("fields").getString("state");
      if ("added".equals(m.getString("msg"))) {
        assertTrue(known.putIfAbsent(id, true) == null, "job " + id + " added once");
      } else {
        assertTrue(
            known.containsKey(id), "job " + id + " changed before it was added or in the snapshot");
      }
      if ("SUCCESS".equals(state)) {
        finals.merge(id, 1, Integer::sum);
      }
    }
    for (long id : submitted) {
      assertEquals(
          1, finals.getOrDefault(id, 0), "final state of job " + id + " seen exactly once");
    }
  }
}

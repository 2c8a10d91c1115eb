package io.herald.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.Herald;
import io.herald.event.EventMessage;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The job engine's side of a healed partition: copies adopted from a node presumed dead, and what changed since. */
@ExtendWith(VertxExtension.class)
class JobManagerHealTest {

  private static JsonObject othersJob(long id, String state) {
    return new JsonObject().put("id", id).put("method", "elsewhere").put("arguments", new JsonArray())
        .put("state", state).put("time_started", new JsonObject().put("$date", 1))
        .put("time_finished", "SUCCESS".equals(state) ? new JsonObject().put("$date", 2) : null);
  }

  private static Map<Long, String> states(Herald herald) {
    JsonArray all = (JsonArray) TestNodes.await(herald.jobs().query(new JsonArray(), new JsonObject()));
    return all.stream().map(j -> (JsonObject) j)
        .collect(Collectors.toMap(j -> j.getLong("id"), j -> j.getString("state")));
  }

  @Test
  void copiesAdoptedFromANodeThatComesBackLeaveSilentlyAndNoOthers(Vertx vertx) {
    Herald herald = TestNodes.standalone(vertx);
    JobManager jobs = herald.jobs();
    TestNodes.await(jobs.adopt(List.of(othersJob(7_000_001, "RUNNING")), "lost", "node-7"));
    TestNodes.await(jobs.adopt(List.of(othersJob(8_000_001, "RUNNING")), "lost", "node-8"));
    TestNodes.await(jobs.adopt(List.of(othersJob(9_000_001, "SUCCESS")), "", null));   // handed over by a stopped node
    assertEquals(Map.of(7_000_001L, "FAILED", 8_000_001L, "FAILED", 9_000_001L, "SUCCESS"), states(herald));

    List<EventMessage> events = new CopyOnWriteArrayList<>();
    var consumer = herald.consume(JobManager.EVENT, events::add);
    TestNodes.await(consumer.completion());
    TestNodes.await(jobs.forget("node-7"));
    assertEquals(Map.of(8_000_001L, "FAILED", 9_000_001L, "SUCCESS"), states(herald));
    // A job event after the forget: if the forget had published anything, it would have arrived before.
    long id = TestNodes.await(jobs.submit("test.mark", new JsonArray(), job -> Future.succeededFuture()));
    TestNodes.eventually(5000, "the marker job's added", () -> !events.isEmpty());
    assertEquals(id, ((Number) events.get(0).id()).longValue(), "nothing published for the forgotten copy: " + events);
  }

  @Test
  void changedSinceListsThisNodesUnfinishedJobsAndThoseThatEndedSince(Vertx vertx) {
    Herald herald = TestNodes.standalone(vertx);
    JobManager jobs = herald.jobs();
    Promise<Object> release = Promise.promise();
    long ended = TestNodes.await(jobs.submit("test.quick", new JsonArray(), job -> Future.succeededFuture("ok")));
    TestNodes.await(jobs.await(ended));
    long since = System.currentTimeMillis() + 1;
    TestNodes.eventually(1000, "a later millisecond", () -> System.currentTimeMillis() > since);
    long endedSince = TestNodes.await(jobs.submit("test.quick", new JsonArray(), job -> Future.succeededFuture("ok")));
    TestNodes.await(jobs.await(endedSince));
    long running = TestNodes.await(jobs.submit("test.block", new JsonArray(), job -> release.future()));
    TestNodes.await(jobs.adopt(List.of(othersJob(7_000_001, "RUNNING")), "lost", "node-7"));

    List<Long> changed = TestNodes.await(jobs.changedSince(since)).stream().map(j -> j.getLong("id")).sorted().toList();
    assertEquals(List.of(endedSince, running), changed, "not the job that ended before, nor the adopted copy");
    List<Long> unfinished = TestNodes.await(jobs.changedSince(Long.MAX_VALUE)).stream()
        .map(j -> j.getLong("id")).toList();
    assertEquals(List.of(running), unfinished);
    assertTrue(ended < endedSince && endedSince < running);
    release.complete("done");
  }
}

package io.herald.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.Caller;
import io.herald.EventMessage;
import io.herald.StreamPosition;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job engine's side of a healed partition, on its own: copies adopted from a node presumed
 * dead, and what changed since a moment of the engine's clock.
 */
@ExtendWith(VertxExtension.class)
class JobManagerHealTest {

  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  private final AtomicLong ids = new AtomicLong();
  private final List<EventMessage> published = new CopyOnWriteArrayList<>();
  @TempDir Path logs;

  private JobManager engine(Vertx vertx) {
    return new JobManager(
        vertx,
        vertx.getOrCreateContext(),
        new JobManager.Limits(4, 100, 100, 0, logs),
        (event, message) -> published.add(message),
        () -> Future.succeededFuture(ids.incrementAndGet()),
        () -> new StreamPosition("node-a", 0),
        clock::get);
  }

  private static JsonObject othersJob(long id, String state) {
    return new JsonObject()
        .put("id", id)
        .put("method", "elsewhere")
        .put("arguments", new JsonArray())
        .put("state", state)
        .put("time_started", new JsonObject().put("$date", 1))
        .put("time_finished", "SUCCESS".equals(state) ? new JsonObject().put("$date", 2) : null);
  }

  private static Map<Long, String> states(JobManager jobs) {
    JsonArray all =
        (JsonArray) TestNodes.await(jobs.query(new JsonArray(), new JsonObject(), Caller.INTERNAL));
    return all.stream()
        .map(j -> (JsonObject) j)
        .collect(Collectors.toMap(j -> j.getLong("id"), j -> j.getString("state")));
  }

  @Test
  void copiesAdoptedFromANodeThatComesBackLeaveSilentlyAndNoOthers(Vertx vertx) {
    JobManager jobs = engine(vertx);
    TestNodes.await(jobs.adopt(List.of(othersJob(7_000_001, "RUNNING")), "lost", "node-7"));
    TestNodes.await(jobs.adopt(List.of(othersJob(8_000_001, "RUNNING")), "lost", "node-8"));
    TestNodes.await(
        jobs.adopt(
            List.of(othersJob(9_000_001, "SUCCESS")), "", null)); // handed over by a stopped node
    assertEquals(
        Map.of(7_000_001L, "FAILED", 8_000_001L, "FAILED", 9_000_001L, "SUCCESS"), states(jobs));

    published.clear();
    TestNodes.await(jobs.forget("node-7"));
    assertEquals(Map.of(8_000_001L, "FAILED", 9_000_001L, "SUCCESS"), states(jobs));
    assertEquals(List.of(), published, "the forgotten copy leaves without a word");
  }

  @Test
  void changedSinceListsThisNodesUnfinishedJobsAndThoseThatEndedSince(Vertx vertx) {
    JobManager jobs = engine(vertx);
    Promise<Object> release = Promise.promise();
    long ended =
        TestNodes.await(
            jobs.submit(
                "test.quick",
                new JsonArray(),
                Caller.INTERNAL,
                job -> Future.succeededFuture("ok")));
    TestNodes.await(jobs.await(ended, Caller.INTERNAL));
    long since = clock.addAndGet(1000);
    clock.addAndGet(1000);
    long endedSince =
        TestNodes.await(
            jobs.submit(
                "test.quick",
                new JsonArray(),
                Caller.INTERNAL,
                job -> Future.succeededFuture("ok")));
    TestNodes.await(jobs.await(endedSince, Caller.INTERNAL));
    long running =
        TestNodes.await(
            jobs.submit("test.block", new JsonArray(), Caller.INTERNAL, job -> release.future()));
    TestNodes.await(jobs.adopt(List.of(othersJob(7_000_001, "RUNNING")), "lost", "node-7"));

    List<Long> changed =
        TestNodes.await(jobs.changedSince(since)).stream()
            .map(j -> j.getLong("id"))
            .sorted()
            .toList();
    assertEquals(
        List.of(endedSince, running),
        changed,
        "not the job that ended before, nor the adopted copy");
    List<Long> unfinished =
        TestNodes.await(jobs.changedSince(Long.MAX_VALUE)).stream()
            .map(j -> j.getLong("id"))
            .toList();
    assertEquals(List.of(running), unfinished);
    assertTrue(ended < endedSince && endedSince < running);
    release.complete("done");
  }
}

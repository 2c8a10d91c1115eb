package io.herald.support;

import com.hazelcast.core.Hazelcast;
import io.herald.CallError;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A publisher for tests of real node processes (deployed with {@code HERALD_VERTICLES}): registers
 * the broadcast event {@code test.node_ticks} (every node registers the same descriptor) and
 * publishes {@code changed {"node": id, "seq": n, "time_us": <publication time, µs since the
 * epoch>}} every {@code HERALD_TEST_TICK_MS} ms (default 50). It also registers the job method
 * {@code test.sleep(ms)} on its node: a job that runs {@code ms} milliseconds, reporting progress
 * every 100 ms, and ends with its node id (or when aborted). Two methods let a test wait for the
 * cluster's shared state before it kills a node: {@code test.mirrored(id)}, whether job {@code id}
 * is in the cluster's map of unfinished jobs, and {@code test.cluster_safe()}, whether every
 * partition of the Hazelcast cluster has its backups and none is migrating.
 */
public final class TickPublisher extends VerticleBase {

  private final Herald herald;

  /** Deployed by the node ({@code verticles} setting), which passes itself. */
  public TickPublisher(Herald herald) {
    this.herald = herald;
  }

  public static final String EVENT = "test.node_ticks";
  public static final String SLEEP = "test.sleep";
  public static final String MIRRORED = "test.mirrored";
  public static final String CLUSTER_SAFE = "test.cluster_safe";
  private static final JsonObject NO_PARAMS =
      new JsonObject().put("type", "array").put("maxItems", 0);
  private static final JsonObject ONE_ID =
      new JsonObject()
          .put("type", "array")
          .put("minItems", 1)
          .put("maxItems", 1)
          .put("prefixItems", new JsonArray().add(new JsonObject().put("type", "integer")));
  private long seq;

  @Override
  public Future<?> start() {
    long every = Long.parseLong(System.getenv().getOrDefault("HERALD_TEST_TICK_MS", "50"));
    return herald
        .registerEvent(
            EventDescriptor.broadcast(EVENT)
                .description("Test ticks of every node.")
                .history(10_000, 600_000)
                .build())
        .recover(
            e ->
                e instanceof CallError c && c.error.errno() == Errno.EEXIST
                    ? Future.succeededFuture()
                    : Future.failedFuture(e))
        .compose(
            v ->
                herald.registerJobMethod(
                    SLEEP,
                    "Runs `ms` milliseconds; progress every 100 ms.",
                    new JsonObject()
                        .put("type", "array")
                        .put("minItems", 1)
                        .put("maxItems", 1)
                        .put(
                            "prefixItems",
                            new JsonArray()
                                .add(new JsonObject().put("type", "integer").put("minimum", 0))),
                    job -> {
                      long ms = job.params().getLong(0);
                      long start = System.currentTimeMillis();
                      Promise<Object> done = Promise.promise();
                      long timer =
                          vertx.setPeriodic(
                              100,
                              id -> {
                                long elapsed = System.currentTimeMillis() - start;
                                if (elapsed >= ms) {
                                  vertx.cancelTimer(id);
                                  done.tryComplete(herald.nodeId());
                                } else {
                                  job.setProgress(
                                      100.0 * elapsed / ms, "slept " + elapsed + " ms", null);
                                }
                              });
                      job.abortRequested()
                          .onSuccess(
                              a -> {
                                vertx.cancelTimer(timer);
                                done.tryComplete("aborted");
                              });
                      return done.future();
                    }))
        .compose(
            v ->
                herald.registerMethod(
                    new MethodDescriptor(
                        MIRRORED,
                        "Whether job `id` is in herald.jobs.live.",
                        ONE_ID,
                        call ->
                            vertx
                                .sharedData()
                                .<Long, JsonObject>getAsyncMap("herald.jobs.live")
                                .compose(map -> map.get(call.params().getLong(0)))
                                .map(entry -> entry != null))))
        .compose(
            v ->
                herald.registerMethod(
                    new MethodDescriptor(
                        CLUSTER_SAFE,
                        "Hazelcast's isClusterSafe().",
                        NO_PARAMS,
                        call ->
                            vertx
                                .executeBlocking(
                                    () ->
                                        Hazelcast.getAllHazelcastInstances().stream()
                                            .allMatch(h -> h.getPartitionService().isClusterSafe()))
                                .map(safe -> safe))))
        .onSuccess(
            v ->
                vertx.setPeriodic(
                    every,
                    id ->
                        herald.publish(
                            EVENT,
                            EventMessage.changed(
                                herald.nodeId() + ":" + (++seq),
                                new JsonObject()
                                    .put("node", herald.nodeId())
                                    .put("seq", seq)
                                    .put("time_us", nowMicros())))));
  }

  /** Wall-clock microseconds, comparable between processes on one machine. */
  public static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }
}

package io.herald.support;

import io.herald.Herald;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.CallError;
import io.herald.Errno;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A publisher for tests of real node processes (deployed with {@code HERALD_VERTICLES}): registers the broadcast
 * event {@code test.node_ticks} (every node registers the same descriptor) and publishes
 * {@code changed {"node": id, "seq": n, "time_us": <publication time, µs since the epoch>}} every
 * {@code HERALD_TEST_TICK_MS} ms (default 50). It also registers the
 * job method {@code test.sleep(ms)} on its node: a job that runs {@code ms} milliseconds, reporting progress every
 * 100 ms, and ends with its node id (or when aborted).
 */
public final class TickPublisher extends VerticleBase {

  private final Herald herald;

  /** Deployed by the node ({@code verticles} setting), which passes itself. */
  public TickPublisher(Herald herald) {
    this.herald = herald;
  }

  public static final String EVENT = "test.node_ticks";
  public static final String SLEEP = "test.sleep";
  private long seq;

  @Override
  public Future<?> start() {
    long every = Long.parseLong(System.getenv().getOrDefault("HERALD_TEST_TICK_MS", "50"));
    return herald.registerEvent(EventDescriptor.broadcast(EVENT).description("Test ticks of every node.").build())
        .recover(e -> e instanceof CallError c && c.error.errno() == Errno.EEXIST ? Future.succeededFuture()
            : Future.failedFuture(e))
        .compose(v -> herald.registerJobMethod(SLEEP, "Runs `ms` milliseconds; progress every 100 ms.",
            new JsonObject().put("type", "array").put("minItems", 1).put("maxItems", 1)
                .put("prefixItems", new JsonArray().add(new JsonObject().put("type", "integer").put("minimum", 0))),
            job -> {
              long ms = job.params().getLong(0);
              long start = System.currentTimeMillis();
              Promise<Object> done = Promise.promise();
              long timer = vertx.setPeriodic(100, id -> {
                long elapsed = System.currentTimeMillis() - start;
                if (elapsed >= ms) {
                  vertx.cancelTimer(id);
                  done.tryComplete(herald.nodeId());
                } else {
                  job.setProgress(100.0 * elapsed / ms, "slept " + elapsed + " ms", null);
                }
              });
              job.abortRequested().onSuccess(a -> {
                vertx.cancelTimer(timer);
                done.tryComplete("aborted");
              });
              return done.future();
            }))
        .onSuccess(v -> vertx.setPeriodic(every, id -> herald.publish(EVENT,
            EventMessage.changed(herald.nodeId() + ":" + (++seq),
                new JsonObject().put("node", herald.nodeId()).put("seq", seq).put("time_us", nowMicros())))));
  }

  /** Wall-clock microseconds, comparable between processes on one machine. */
  public static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }
}

package io.herald.support;

import io.herald.Herald;
import io.herald.event.EventDescriptor;
import io.herald.event.EventMessage;
import io.herald.protocol.CallError;
import io.herald.protocol.Errno;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * A publisher for tests of real node processes (deployed with {@code HERALD_VERTICLES}): registers the broadcast
 * event {@code test.node_ticks} (every node registers the same descriptor) and publishes
 * {@code changed {"node": id, "seq": n}} every {@code HERALD_TEST_TICK_MS} ms (default 50).
 */
public final class TickPublisher extends VerticleBase {

  public static final String EVENT = "test.node_ticks";
  private long seq;

  @Override
  public Future<?> start() {
    Herald herald = Herald.get(vertx);
    long every = Long.parseLong(System.getenv().getOrDefault("HERALD_TEST_TICK_MS", "50"));
    return herald.registerEvent(EventDescriptor.broadcast(EVENT).description("Test ticks of every node.").build())
        .recover(e -> e instanceof CallError c && c.error.errno() == Errno.EEXIST ? Future.succeededFuture()
            : Future.failedFuture(e))
        .onSuccess(v -> vertx.setPeriodic(every, id -> herald.publish(EVENT,
            EventMessage.changed(herald.nodeId() + ":" + (++seq),
                new JsonObject().put("node", herald.nodeId()).put("seq", seq)))));
  }
}

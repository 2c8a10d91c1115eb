package io.herald.support;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.SourceFactory;
import io.herald.SourceSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test event source {@code test.ticks}: argument {@code {"interval_ms": n, "count": c, "fail":
 * bool}}; emits {@code added} with {@code {"n": i, "arg": <argument>}} every interval, ends after
 * {@code count} ticks (when given) or fails at once when {@code fail} is true. Counts its starts
 * and stops.
 */
public final class TickSource implements SourceFactory {

  public static final String NAME = "test.ticks";
  public static final EventDescriptor DESCRIPTOR =
      EventDescriptor.source(NAME)
          .description("Test ticks.")
          .accepts(
              new JsonObject()
                  .put("type", "object")
                  .put(
                      "properties",
                      new JsonObject()
                          .put(
                              "interval_ms",
                              new JsonObject().put("type", "integer").put("minimum", 1))
                          .put("count", new JsonObject().put("type", "integer").put("minimum", 1))
                          .put("fail", new JsonObject().put("type", "boolean")))
                  .put("additionalProperties", false))
          .build();

  public final AtomicInteger starts = new AtomicInteger();
  public final AtomicInteger stops = new AtomicInteger();
  private final Vertx vertx;

  public TickSource(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public EventSource create(Object argument) {
    JsonObject arg = argument instanceof JsonObject json ? json : new JsonObject();
    long interval = arg.getLong("interval_ms", 50L);
    int count = arg.getInteger("count", -1);
    return new EventSource() {
      long timer = -1;
      int n;

      @Override
      public Future<Void> start(SourceSink sink) {
        starts.incrementAndGet();
        if (arg.getBoolean("fail", false)) {
          return Future.failedFuture(
              new io.herald.CallError(ErrorDict.of(Errno.EINVAL, "told to fail")));
        }
        timer =
            vertx.setPeriodic(
                interval,
                id -> {
                  n++;
                  sink.emit(
                      EventMessage.added(null, new JsonObject().put("n", n).put("arg", argument)));
                  if (n == count) {
                    sink.end();
                  }
                });
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> stop() {
        stops.incrementAndGet();
        if (timer >= 0) {
          vertx.cancelTimer(timer);
        }
        return Future.succeededFuture();
      }
    };
  }
}

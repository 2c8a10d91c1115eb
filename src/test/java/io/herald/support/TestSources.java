package io.herald.support;

import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.SourceSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Small event sources the tests register under names of their own (see also {@link TickSource}).
 */
public final class TestSources {

  private TestSources() {}

  /**
   * One value ({@code added}, id 1, {@code {"value": 42}}) and its end, both from inside {@code
   * start}, which then takes 20 ms to complete: the output and the end exist before the
   * subscription can be ready.
   */
  public static EventSource once(Vertx vertx) {
    return new EventSource() {
      @Override
      public Future<Void> start(SourceSink sink) {
        sink.emit(EventMessage.added(1, new JsonObject().put("value", 42)));
        sink.end();
        return vertx.timer(20).mapEmpty();
      }

      @Override
      public Future<Void> stop() {
        return Future.succeededFuture();
      }
    };
  }
}

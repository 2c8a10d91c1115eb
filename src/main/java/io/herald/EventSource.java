package io.herald;

import io.vertx.core.Future;
import java.util.List;

/**
 * A producer of one {@code name:arg} stream, shared by all its subscribers on a node. The {@link
 * SourceManager} creates it for the first subscriber and stops it after the last one leaves.
 *
 * <p>Contract: {@link #start} is called once, on the event loop of the subscribing bridge; the sink
 * may be used from any thread. {@link #stop} is called exactly once — after the last subscriber
 * left, after a failed start, or after the source called {@link SourceSink#end} / {@link
 * SourceSink#fail} — and must release every timer, file handle and consumer the source holds.
 * Emissions after {@code stop} are ignored.
 */
public interface EventSource {

  /**
   * Starts producing. A failed future ends every pending subscription with {@code nosub} and the
   * error.
   */
  Future<Void> start(SourceSink sink);

  Future<Void> stop();

  /**
   * What a subscriber gets before the stream, e.g. the last lines of a followed file. Called on the
   * manager's context once per subscriber, after {@link #start}. Stream messages emitted while it
   * is pending reach that subscriber after it, so a source whose snapshot ends where its stream
   * resumes loses and repeats nothing.
   */
  default Future<List<EventMessage>> snapshot() {
    return Future.succeededFuture(List.of());
  }
}

package io.herald;

/**
 * Where an {@link EventSource} sends its output. Thread-safe; calls after {@code end} or {@code
 * fail} are ignored.
 */
public interface SourceSink {

  void emit(EventMessage message);

  /** The source has finished: every subscriber gets {@code nosub} without an error. */
  void end();

  /** The source failed: every subscriber gets {@code nosub} with {@code error}. */
  void fail(ErrorDict error);
}

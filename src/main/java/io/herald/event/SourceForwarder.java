package io.herald.event;

import io.herald.ErrorDict;
import io.herald.EventMessage;
import io.herald.StreamPosition;

/**
 * A holder of a source instance that takes its output as messages, to carry them elsewhere (to
 * subscribers on other nodes), rather than as frames for one collection. It gets no snapshot when
 * it joins: it asks for snapshots itself ({@link SourceManager.Forwarding#snapshot}). Called on the
 * manager's context.
 */
public interface SourceForwarder {

  /**
   * A stream message, in the order the source emitted it, at its position in the instance's run.
   */
  void forward(EventMessage message, StreamPosition position);

  /**
   * The source ended ({@code error} null) or failed after its start, at {@code position} (after its
   * last message); the forwarder has already been removed.
   */
  void ended(ErrorDict error, StreamPosition position);
}

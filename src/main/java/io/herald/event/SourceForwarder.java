package io.herald.event;

import io.herald.EventMessage;

import io.herald.ErrorDict;

/**
 * A holder of a source instance that takes its output as messages, to carry them elsewhere (to subscribers on
 * other nodes), rather than as frames for one collection. It gets no snapshot when it joins: it asks for
 * snapshots itself ({@link SourceManager.Forwarding#snapshot}). Called on the manager's context.
 */
public interface SourceForwarder {

  /** A stream message, in the order the source emitted it. */
  void forward(EventMessage message);

  /** The source ended ({@code error} null) or failed after its start; the forwarder has already been removed. */
  void ended(ErrorDict error);
}

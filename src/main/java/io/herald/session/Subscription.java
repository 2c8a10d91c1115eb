package io.herald.session;

import io.herald.EventDescriptor;

/**
 * One client subscription ({@code sub} id → name). {@link #release} is set once its stream has
 * accepted it.
 */
final class Subscription {

  final Object id;
  final String collection;

  /**
   * The event, once looked up (null for {@code *}): what the caller's roles are checked against.
   */
  EventDescriptor descriptor;

  /** Ready was (or is about to be) sent: from now on a change of caller may end it. */
  boolean accepted;

  boolean cancelled;
  Runnable release;

  /** The event source instance (event and canonical argument) it counts against, or null. */
  String sourceKey;

  Subscription(Object id, String collection) {
    this.id = id;
    this.collection = collection;
  }

  /** Ends the subscription's hold on its stream; idempotent. */
  void cancel() {
    cancelled = true;
    if (release != null) {
      Runnable r = release;
      release = null;
      r.run();
    }
  }
}

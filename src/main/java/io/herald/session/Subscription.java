package io.herald.session;

/**
 * One client subscription ({@code sub} id → name). {@link #release} is set once its stream has
 * accepted it.
 */
final class Subscription {

  final Object id;
  final String collection;
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

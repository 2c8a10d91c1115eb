package io.herald.session;

import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.vertx.core.json.JsonObject;

/**
 * One client subscription ({@code sub} id → name). {@link #release} is set once its stream has
 * accepted it.
 */
final class Subscription {

  final Object id;
  final String collection;

  /** Where its first answer goes. */
  final Answer answer;

  /**
   * Its ready answer went out: from then on an end is an end, not a refusal, and a change of caller
   * may end it (before, the subscription's own setup checks the caller when it completes).
   */
  boolean readySent;

  /** What its ready answer carries besides the id (see {@link Answer#ready}), or null. */
  JsonObject readyDetails;

  /**
   * The first answer to a subscription: ready, or refused before it was live ({@code byRole}: its
   * caller may not hold it). On /websocket the legacy messages; on JSON-RPC the response to {@code
   * core.subscribe}.
   */
  interface Answer {
    /**
     * Live; {@code details} (null for most) is what a subscription with positions learns at its
     * ready: {@code position}, and {@code recovered} when it asked since a position.
     */
    void ready(JsonObject details);

    void refused(ErrorDict error, boolean byRole);
  }

  /**
   * The event, once looked up (null for {@code *}): what the caller's roles are checked against.
   */
  EventDescriptor descriptor;

  boolean cancelled;
  Runnable release;

  /** The event source instance (event and canonical argument) it counts against, or null. */
  String sourceKey;

  Subscription(Object id, String collection, Answer answer) {
    this.id = id;
    this.collection = collection;
    this.answer = answer;
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

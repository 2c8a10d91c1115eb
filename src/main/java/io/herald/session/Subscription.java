package io.herald.session;

import java.util.ArrayList;
import java.util.List;

/**
 * One client subscription ({@code sub} id → name). It is pending until its {@code ready} has been sent and live
 * after; source output that arrives while it is pending waits in {@link #early} so that {@code ready} always comes
 * first. {@link #release} is set once the hub or the source manager has accepted it.
 */
final class Subscription {

  final Object id;
  final String collection;
  boolean live;
  boolean cancelled;
  Runnable release;
  List<byte[]> early;
  /** Run once, right after {@code ready} is sent (a snapshot subscription joins the live stream there). */
  Runnable onLive;

  Subscription(Object id, String collection) {
    this.id = id;
    this.collection = collection;
  }

  void holdEarly(byte[] frame, int limit) {
    if (early == null) {
      early = new ArrayList<>(2);
    }
    if (early.size() >= limit) {
      early.remove(0);
    }
    early.add(frame);
  }

  /** Ends the subscription's hold on its hub or source; idempotent. */
  void cancel() {
    cancelled = true;
    early = null;
    onLive = null;
    if (release != null) {
      Runnable r = release;
      release = null;
      r.run();
    }
  }
}

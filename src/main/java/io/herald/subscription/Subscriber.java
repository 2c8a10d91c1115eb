package io.herald.subscription;

/** A connection as the hub sees it: somewhere to write pre-encoded frames. Called on the hub's event loop. */
public interface Subscriber {

  /**
   * Writes one frame.
   *
   * @param coalesceKey non-null when an undelivered earlier frame with the same key may be replaced by this one
   */
  void deliver(byte[] frame, Object coalesceKey);
}

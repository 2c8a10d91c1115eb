package io.herald.subscription;

/**
 * A connection as the hub sees it: somewhere to write pre-encoded frames. Called on the hub's event
 * loop.
 */
public interface Subscriber {

  /**
   * Writes one frame.
   *
   * @param coalesceKey non-null when an undelivered earlier frame with the same key may be replaced
   *     by this one
   * @param position the publisher's position of this message ({@code <epoch>@<offset>}, see {@link
   *     io.herald.bus.Addresses#POSITION_HEADER}), or null
   */
  void deliver(byte[] frame, Object coalesceKey, String position);

  /**
   * Whether a message of {@code event} concerning {@code owner} (null: no one in particular) may
   * reach this subscriber now; asked for every message through {@code *} and for owned messages
   * through a named subscription (its roles were checked when it was accepted).
   */
  default boolean mayReceive(io.herald.EventDescriptor event, String owner) {
    return true;
  }
}

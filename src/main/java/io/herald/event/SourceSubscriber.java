package io.herald.event;

import io.herald.ErrorDict;

/**
 * One subscription to a source instance, as the {@link SourceManager} sees it. Called on the
 * manager's context.
 */
public interface SourceSubscriber {

  /**
   * The {@code collection} of this subscription's messages: the {@code name:arg} the client sent.
   */
  String collection();

  /**
   * A pre-encoded frame for {@link #collection()}.
   *
   * @param latestValueOnly the frame may replace an undelivered earlier frame of this subscription
   */
  void deliver(byte[] frame, boolean latestValueOnly);

  /** The source ended ({@code error} null) or failed; the subscriber has already been removed. */
  void ended(ErrorDict error);
}

package io.herald.stream;

/**
 * A subscription its stream has accepted: it has its place (what the stream sends meanwhile is kept
 * for it, see {@link CatchUp}) but nothing flows until {@link #open}.
 */
public interface Attached {

  /**
   * Starts the flow, once: runs {@code ready} where the protocol puts the subscription's {@code
   * ready} (before or after the snapshot's items), then delivers what was kept, then the live
   * stream. Returns false, having run and delivered nothing, when the stream outran the snapshot
   * ({@link CatchUp#overrun()}): the caller ends the subscription and must still {@link #release}
   * it.
   */
  boolean open(Runnable ready);

  /** Leaves the stream; idempotent. */
  void release();

  /** A subscription to a stream without a snapshot: {@code ready}, then the live messages. */
  static Attached live(Runnable release) {
    return new Attached() {
      @Override
      public boolean open(Runnable ready) {
        ready.run();
        return true;
      }

      @Override
      public void release() {
        release.run();
      }
    };
  }
}

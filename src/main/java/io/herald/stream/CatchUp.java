package io.herald.stream;

import io.herald.StreamPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One subscription's way into a positioned stream: "a snapshot, then the live messages after the
 * snapshot's position", gap-free and duplicate-free, whichever way the snapshot and the messages
 * race.
 *
 * <p>The subscription offers every live message from the moment it is attached to the stream; they
 * are held. Once the snapshot has been read (its items and the {@link StreamPosition}s it reflects,
 * one per epoch), {@link #open} delivers the items, then the held messages newer than the snapshot,
 * and from then on each offered message newer than the last one delivered of its epoch. A message
 * at or before the snapshot's position of its epoch is already reflected in the items, and is
 * dropped. A message of an epoch the snapshot does not know is new — unless the stream is {@link
 * #singleEpoch}: then only the snapshot's epoch passes (another is an older or later run of the
 * same stream, not this subscription's).
 *
 * <p>Holding is bounded: past {@code maxHeld} messages the catch-up is {@link #overrun()}, cannot
 * be opened, and the subscription must end (the stream moved faster than its snapshot could be
 * read). Confined to one context.
 *
 * @param <T> what is delivered: a pre-encoded frame, a message, a bus body
 */
public final class CatchUp<T> {

  /**
   * How many messages a subscription's catch-up holds while its snapshot is read: far more than a
   * snapshot's read takes at any rate a node sustains.
   */
  public static final int MAX_HELD = 10_000;

  private final Consumer<T> out;
  private final int maxHeld;
  private final boolean singleEpoch;
  private List<Held<T>> held = new ArrayList<>();
  private final Map<String, Long> delivered = new HashMap<>();
  private boolean overrun;

  private record Held<T>(StreamPosition position, T message) {}

  private CatchUp(Consumer<T> out, int maxHeld, boolean singleEpoch) {
    this.out = out;
    this.maxHeld = maxHeld;
    this.singleEpoch = singleEpoch;
  }

  /**
   * A catch-up into a stream with several publishers (a broadcast event published by several
   * nodes).
   */
  public static <T> CatchUp<T> of(Consumer<T> out, int maxHeld) {
    return new CatchUp<>(out, maxHeld, false);
  }

  /**
   * A catch-up into one run of a stream (a source instance): messages of another epoch are not
   * delivered.
   */
  public static <T> CatchUp<T> singleEpoch(Consumer<T> out, int maxHeld) {
    return new CatchUp<>(out, maxHeld, true);
  }

  /** A live message at {@code position} (null: a message without one, always new). */
  public void offer(StreamPosition position, T message) {
    if (held == null) {
      deliverIfNew(position, message);
    } else if (!overrun) {
      if (held.size() >= maxHeld) {
        overrun = true;
        held.clear();
      } else {
        held.add(new Held<>(position, message));
      }
    }
  }

  /**
   * Starts delivering: {@code items}, then {@code afterItems} (where the protocol puts {@code
   * ready}, for instance), then the held messages newer than {@code at}. Call once. When {@link
   * #overrun()}, delivers nothing and returns false: the subscription cannot be served from this
   * snapshot.
   *
   * @param at the positions the items reflect, at most one per epoch
   */
  public boolean open(List<T> items, List<StreamPosition> at, Runnable afterItems) {
    if (overrun) {
      return false;
    }
    List<Held<T>> pending = held;
    held = null;
    at.forEach(p -> delivered.merge(p.epoch(), p.offset(), Math::max));
    items.forEach(out);
    afterItems.run();
    pending.forEach(h -> deliverIfNew(h.position(), h.message()));
    return true;
  }

  /** Whether more messages arrived before {@link #open} than could be held. */
  public boolean overrun() {
    return overrun;
  }

  private void deliverIfNew(StreamPosition position, T message) {
    if (position != null) {
      Long last = delivered.get(position.epoch());
      if (last == null ? singleEpoch && !delivered.isEmpty() : position.offset() <= last) {
        return;
      }
      delivered.put(position.epoch(), position.offset());
    }
    out.accept(message);
  }
}

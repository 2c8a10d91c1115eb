package io.herald;

import java.util.List;

/**
 * The current items of a collection-like event, as {@code added} messages, and the stream positions
 * they reflect: for each publisher of the event, the position of its last message already reflected
 * in the items. A message after those positions is newer than the snapshot; one at or before them
 * is already in it.
 */
public record Snapshot(List<EventMessage> items, List<StreamPosition> positions) {

  public Snapshot {
    items = List.copyOf(items);
    positions = List.copyOf(positions);
  }

  /**
   * Whether a message at {@code position} is newer than this snapshot (true for a message without
   * one).
   */
  public boolean isNewer(StreamPosition position) {
    if (position == null) {
      return true;
    }
    for (StreamPosition seen : positions) {
      if (seen.epoch().equals(position.epoch())) {
        return position.offset() > seen.offset();
      }
    }
    return true;
  }
}

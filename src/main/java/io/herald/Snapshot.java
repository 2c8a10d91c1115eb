package io.herald;

import java.util.List;
import java.util.Map;

/**
 * The current items of a collection-like event, as {@code added} messages, and the publisher positions they
 * reflect: for each publisher node, the number of messages of the event it had published when the snapshot was
 * taken (see {@link io.herald.bus.Addresses#POSITION_HEADER}).
 */
public record Snapshot(List<EventMessage> items, Map<String, Long> positions) {

  /** Whether a message at {@code position} ({@code <publisher>:<n>}) is newer than this snapshot. */
  public boolean isNewer(String position) {
    if (position == null) {
      return true;
    }
    int colon = position.lastIndexOf(':');
    Long seen = positions.get(position.substring(0, Math.max(0, colon)));
    return seen == null || Long.parseLong(position.substring(colon + 1)) > seen;
  }
}

package io.herald.session;

import io.herald.subscription.Subscriber;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in the hub's index for a snapshot subscription until its {@code ready} is out, holding the messages
 * that arrive meanwhile with their positions. Confined to the connection's event loop.
 */
final class SnapshotGate implements Subscriber {

  record Held(byte[] frame, Object coalesceKey, String position) {
  }

  final List<Held> held = new ArrayList<>();

  @Override
  public void deliver(byte[] frame, Object coalesceKey, String position) {
    held.add(new Held(frame, coalesceKey, position));
  }
}

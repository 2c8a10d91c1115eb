package io.herald.subscription;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The subscribers of one event in a hub, each with the number of its holds (a connection may hold
 * an event through several subscriptions), and the array a fan-out walks: rebuilt by the first
 * fan-out after a change, so that a fan-out reads one array instead of following map entries, and a
 * subscriber that joins or leaves during a fan-out does not disturb it. Confined to the hub's event
 * loop.
 */
final class SubscriberSet {

  private static final Subscriber[] NONE = {};

  private final Map<Subscriber, Integer> holds = new LinkedHashMap<>();

  /** The members in order of arrival; null when stale. */
  private Subscriber[] members = NONE;

  void add(Subscriber subscriber) {
    if (holds.merge(subscriber, 1, Integer::sum) == 1) {
      members = null;
    }
  }

  /** Drops one hold of {@code subscriber}; returns whether it had one. */
  boolean remove(Subscriber subscriber) {
    Integer count = holds.get(subscriber);
    if (count == null) {
      return false;
    }
    if (count == 1) {
      holds.remove(subscriber);
      members = null;
    } else {
      holds.put(subscriber, count - 1);
    }
    return true;
  }

  boolean contains(Subscriber subscriber) {
    return holds.containsKey(subscriber);
  }

  boolean isEmpty() {
    return holds.isEmpty();
  }

  /** The members, one entry each however many holds; not to be modified. */
  Subscriber[] members() {
    Subscriber[] m = members;
    if (m == null) {
      m = members = holds.keySet().toArray(NONE);
    }
    return m;
  }
}

package io.herald.event;

import io.herald.SnapshotProvider;
import io.herald.SourceFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node produces for its events: source factories and snapshot providers, by event name.
 * Thread-safe.
 */
public final class Producers {

  private final Map<String, SourceFactory> factories = new ConcurrentHashMap<>();
  private final Map<String, SnapshotProvider> snapshots = new ConcurrentHashMap<>();

  /** The source factories of this node, by event (a live view). */
  public Map<String, SourceFactory> factories() {
    return factories;
  }

  public boolean hasFactory(String event) {
    return factories.containsKey(event);
  }

  /** Adds the factory of {@code event}; false when it already has one. */
  public boolean addFactory(String event, SourceFactory factory) {
    return factories.putIfAbsent(event, factory) == null;
  }

  public void removeFactory(String event, SourceFactory factory) {
    factories.remove(event, factory);
  }

  public void addSnapshot(String event, SnapshotProvider provider) {
    snapshots.put(event, provider);
  }

  /** The snapshot provider of {@code event} on this node, or null. */
  public SnapshotProvider snapshot(String event) {
    return snapshots.get(event);
  }
}

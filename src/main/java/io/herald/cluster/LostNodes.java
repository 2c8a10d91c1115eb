package io.herald.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes this node lost, and those of them that came back. A node id comes back only when a
 * network partition heals (a node that restarts has a new id). On the side that merges into the
 * other, Hazelcast reports the other side's members as soon as it joins, before its side's data is
 * merged into the cluster's: returns seen while merging are held until the merge ends. Remembers
 * the last 1000 nodes lost. Thread-safe.
 */
final class LostNodes {

  private record Loss(long at, boolean back) {}

  private final Map<String, Loss> losses =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Loss> eldest) {
          return size() > 1000;
        }
      };
  private final Set<String> heldBack = new LinkedHashSet<>();
  private boolean merging;

  /** {@code node} left the cluster; this node noticed at {@code now} (ms). */
  synchronized void lost(String node, long now) {
    losses.remove(node);
    losses.put(node, new Loss(now, false));
  }

  /**
   * {@code node} joined the cluster: the nodes back from a partition to handle now ({@code node},
   * or none).
   */
  synchronized List<String> joined(String node) {
    Loss loss = losses.get(node);
    if (loss == null || loss.back()) {
      return List.of();
    }
    losses.put(node, new Loss(loss.at(), true));
    if (merging) {
      heldBack.add(node);
      return List.of();
    }
    return List.of(node);
  }

  /** This node's side starts merging into the other side. */
  synchronized void mergeStarted() {
    merging = true;
  }

  /** The merge ended (or failed): the nodes that came back meanwhile, to handle now. */
  synchronized List<String> mergeEnded() {
    merging = false;
    List<String> back = new ArrayList<>(heldBack);
    heldBack.clear();
    return back;
  }

  /**
   * When this node last noticed the loss of {@code node} (ms), whether it came back since or not; 0
   * if never.
   */
  synchronized long lostAt(String node) {
    Loss loss = losses.get(node);
    return loss == null ? 0 : loss.at();
  }
}

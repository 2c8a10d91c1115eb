package io.herald.cluster;

import io.herald.history.HistoryLogs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cluster as Herald sees it: the node ids of its members, departures and returns, and the
 * cluster-wide maps Herald keeps (named in {@link io.herald.bus.Addresses}). One implementation per
 * cluster manager ({@link HazelcastMembership}); {@link #standalone} for a node without a cluster,
 * whose maps are local.
 *
 * <p>A node id is the member's Vert.x node id: a member that leaves names the Herald node that
 * left.
 */
public interface Membership {

  /** This node's id. */
  String nodeId();

  /** The ids of the other members (empty when standalone), as this node currently sees them. */
  List<String> others();

  /** This node's id, then the other members'. */
  default List<String> all() {
    List<String> all = new ArrayList<>();
    all.add(nodeId());
    all.addAll(others());
    return all;
  }

  /** Whether {@code node} is this node or a current member. */
  default boolean isMember(String node) {
    return nodeId().equals(node) || others().contains(node);
  }

  /**
   * Whether this node is the oldest member: the one survivor that handles what a departed node left
   * behind (its jobs, its claims, its record). Read it in an {@link #onLeft} listener: the departed
   * node is already out.
   */
  boolean isOldest();

  /** The address Hazelcast reaches this node at, or null when standalone. */
  String memberHost();

  /**
   * Calls {@code listener} (on an arbitrary thread) with the id of every node that leaves the
   * cluster from now on, cleanly or not, on every node. Run the returned action to stop listening.
   */
  Runnable onLeft(Consumer<String> listener);

  /**
   * Calls {@code listener} (on an arbitrary thread) on every node with the id of each node that
   * comes back after a network partition: a node this node saw leave that is a member again (a node
   * that restarts has a new id). On the side that merged into the other, once the merge is done.
   * Run the returned action to stop listening.
   */
  Runnable onReturned(Consumer<String> listener);

  /**
   * The earliest time (ms, this node's clock) at which {@code node} can have been cut off from this
   * node: when this node last noticed its loss, less the time noticing can take; 0 when this node
   * never lost it.
   */
  long lostSince(String node);

  /** A cluster-wide map (a local one when standalone). */
  <K, V> Future<AsyncMap<K, V>> map(String name);

  /**
   * Where event histories are kept: ringbuffers replicated in the cluster (one backup), or this
   * node's memory when standalone.
   */
  HistoryLogs historyLogs();

  /** A node without a cluster: a random id, no other members, Vert.x's local maps. */
  static Membership standalone(Vertx vertx) {
    return new StandaloneMembership(vertx);
  }
}

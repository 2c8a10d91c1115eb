package io.herald.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.history.HistoryLogs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Membership through vertx-hazelcast: node ids from the cluster manager, departures and returns
 * from Hazelcast's membership and lifecycle listeners, maps and counters through Vert.x's shared
 * data (which the cluster manager backs). The one place that knows Hazelcast at run time (its
 * configuration is {@link HazelcastConfigs}).
 *
 * <p>A network partition looks like departures on both sides; when it heals, Hazelcast merges the
 * smaller side into the larger and the other side's members join again with the same Vert.x node
 * ids: those are returns (see {@link LostNodes}).
 */
public final class HazelcastMembership implements Membership {

  /** The member attribute in which vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private static final String HEARTBEAT_TIMEOUT = "hazelcast.max.no.heartbeat.seconds";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> returnListeners = new CopyOnWriteArrayList<>();
  private final LostNodes lost = new LostNodes();
  private boolean listening;
  private final HistoryLogs history;

  /**
   * @param manager the cluster manager {@code vertx} was built with, already joined
   */
  public HazelcastMembership(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
    this.history = new HazelcastHistoryLogs(vertx, this::hazelcast);
  }

  private HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }

  @Override
  public String nodeId() {
    return manager.getNodeId();
  }

  @Override
  public List<String> others() {
    List<String> nodes = new ArrayList<>(manager.getNodes());
    nodes.remove(nodeId());
    return nodes;
  }

  @Override
  public boolean isOldest() {
    Member oldest = hazelcast().getCluster().getMembers().iterator().next();
    return oldest.localMember();
  }

  @Override
  public String memberHost() {
    return hazelcast().getCluster().getLocalMember().getAddress().getHost();
  }

  @Override
  public Runnable onLeft(Consumer<String> listener) {
    listen();
    leftListeners.add(listener);
    return () -> leftListeners.remove(listener);
  }

  @Override
  public Runnable onReturned(Consumer<String> listener) {
    listen();
    returnListeners.add(listener);
    return () -> returnListeners.remove(listener);
  }

  /**
   * Noticing a loss takes up to about two heartbeat timeouts (suspicion, then removal): three are
   * allowed.
   */
  @Override
  public long lostSince(String node) {
    long at = lost.lostAt(node);
    return at == 0 ? 0 : Math.max(0, at - 3 * heartbeatTimeoutMs());
  }

  private long heartbeatTimeoutMs() {
    String value = hazelcast().getConfig().getProperty(HEARTBEAT_TIMEOUT);
    value = value != null ? value : System.getProperty(HEARTBEAT_TIMEOUT, "60");
    try {
      return Long.parseLong(value.trim()) * 1000;
    } catch (NumberFormatException e) {
      return 60_000;
    }
  }

  /**
   * Starts following membership once, from the first listener on: what is noticed is told to every
   * listener.
   */
  private synchronized void listen() {
    if (listening) {
      return;
    }
    listening = true;
    hazelcast()
        .getCluster()
        .addMembershipListener(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent event) {
                String node = event.getMember().getAttribute(VERTX_NODE_ID);
                if (node != null) {
                  lost.joined(node).forEach(HazelcastMembership.this::returned);
                }
              }

              @Override
              public void memberRemoved(MembershipEvent event) {
                String node = event.getMember().getAttribute(VERTX_NODE_ID);
                if (node != null) {
                  lost.lost(node, System.currentTimeMillis());
                  leftListeners.forEach(l -> l.accept(node));
                }
              }
            });
    // Returns seen while this node's side merges into the other wait for the merge to end (see
    // LostNodes).
    hazelcast()
        .getLifecycleService()
        .addLifecycleListener(
            event -> {
              switch (event.getState()) {
                case MERGING -> lost.mergeStarted();
                case MERGED, MERGE_FAILED -> lost.mergeEnded().forEach(this::returned);
                default -> {}
              }
            });
  }

  private void returned(String node) {
    returnListeners.forEach(l -> l.accept(node));
  }

  @Override
  public HistoryLogs historyLogs() {
    return history;
  }

  @Override
  public <K, V> Future<AsyncMap<K, V>> map(String name) {
    return vertx.sharedData().getAsyncMap(name);
  }
}

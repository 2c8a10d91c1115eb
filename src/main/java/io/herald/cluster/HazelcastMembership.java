package io.herald.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Membership through vertx-hazelcast: node ids from the cluster manager, departures from Hazelcast's membership
 * listener, maps and counters through Vert.x's shared data (which the cluster manager backs). The one place
 * that knows Hazelcast at run time (its configuration is {@link HazelcastConfigs}).
 */
public final class HazelcastMembership implements Membership {

  /** The member attribute in which vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private UUID registration;

  /** @param manager the cluster manager {@code vertx} was built with, already joined */
  public HazelcastMembership(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
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
  public synchronized Runnable onLeft(Consumer<String> listener) {
    if (registration == null) {
      registration = hazelcast().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          String node = event.getMember().getAttribute(VERTX_NODE_ID);
          if (node != null) {
            listeners.forEach(l -> l.accept(node));
          }
        }
      });
    }
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public <K, V> Future<AsyncMap<K, V>> map(String name) {
    return vertx.sharedData().getAsyncMap(name);
  }

  @Override
  public Future<Counter> counter(String name) {
    return vertx.sharedData().getCounter(name);
  }
}

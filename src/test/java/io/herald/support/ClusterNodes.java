package io.herald.support;

import io.herald.cluster.HazelcastConfigs;
import io.herald.cluster.HazelcastMembership;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.node.NodeVertx;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Several clustered Node nodes in one JVM, on a cluster name of their own; closed one at a time.
 */
public final class ClusterNodes implements AutoCloseable {

  private final String clusterName = "herald-test-" + UUID.randomUUID();
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<HazelcastClusterManager> managers = new ArrayList<>();
  private final java.util.Set<Integer> crashed = new java.util.HashSet<>();

  public Node start() {
    return start(new JsonObject());
  }

  /**
   * Starts a node with {@code overrides} as dotted keys. The {@code cluster.*} settings shape its
   * Hazelcast configuration as they do in {@code Main} ({@code cluster.config}, {@code
   * cluster.members}, {@code cluster.port}); the cluster name is this instance's own unless
   * overridden.
   */
  public Node start(JsonObject overrides) {
    return start(overrides, System::getenv);
  }

  /**
   * A node with security as shipped (see {@link TestNodes#secured}): no roles before login, a data
   * directory of its own, admin's password {@link TestNodes#ADMIN_PASSWORD} if it is the first.
   */
  public Node startSecured() {
    return startSecured(new JsonObject());
  }

  /** As {@link #startSecured()}, with {@code overrides} as dotted keys. */
  public Node startSecured(JsonObject overrides) {
    JsonObject flat =
        new JsonObject()
            .put("auth.anonymous-roles", "")
            .put("auth.failure-delay-ms", 50)
            .put("data.dir", TestNodes.freshDir().toString());
    overrides.forEach(e -> flat.put(e.getKey(), e.getValue()));
    return start(
        flat, name -> "HERALD_ADMIN_PASSWORD".equals(name) ? TestNodes.ADMIN_PASSWORD : null);
  }

  private Node start(JsonObject overrides, java.util.function.Function<String, String> env) {
    JsonObject flat = TestNodes.defaults().put("cluster.name", clusterName);
    overrides.forEach(e -> flat.put(e.getKey(), e.getValue()));
    Settings settings = Settings.of(TestNodes.nested(flat));
    // As NodeVertx.create does, keeping the cluster manager to crash the node with.
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastConfigs.build(settings));
    Vertx vertx = TestNodes.await(NodeVertx.clustered(settings, manager));
    vertxes.add(vertx);
    managers.add(manager);
    Node herald;
    try {
      herald =
          TestNodes.await(
              Node.start(
                  new NodeVertx(vertx, new HazelcastMembership(vertx, manager)), settings, env));
    } catch (RuntimeException | Error failed) {
      // A node that does not start leaves the cluster at once, not when the others are closed.
      vertxes.remove(vertx);
      managers.remove(manager);
      TestNodes.await(vertx.close());
      throw failed;
    }
    nodes.add(herald);
    return herald;
  }

  public Vertx vertx(int i) {
    return vertxes.get(i);
  }

  /** Node {@code i}'s Hazelcast member. */
  public com.hazelcast.core.HazelcastInstance hazelcast(int i) {
    return managers.get(i).getHazelcastInstance();
  }

  /**
   * Waits until node {@code i}'s cluster holds a backup of every partition (a crash then loses no
   * data).
   */
  public void awaitSafe(int i) {
    TestNodes.eventually(
        30_000,
        "cluster safe",
        () -> managers.get(i).getHazelcastInstance().getPartitionService().isClusterSafe());
  }

  /**
   * Node {@code i} vanishes from the cluster as if its process died: its Hazelcast member is
   * terminated without a goodbye and its Vert.x is closed (its sockets drop). It is not closed
   * again by {@link #close}.
   */
  public void crash(int i) {
    managers.get(i).getHazelcastInstance().getLifecycleService().terminate();
    vertxes.get(i).close();
    crashed.add(i);
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (crashed.contains(i)) {
        continue;
      }
      try {
        TestNodes.await(nodes.get(i).close());
      } finally {
        TestNodes.await(vertxes.get(i).close());
      }
    }
  }
}

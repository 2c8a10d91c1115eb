package io.herald.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.herald.Herald;
import io.herald.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Several clustered Herald nodes in one JVM, on a cluster name of their own; closed one at a time. */
public final class ClusterNodes implements AutoCloseable {

  private final String clusterName = "herald-test-" + UUID.randomUUID();
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<Herald> nodes = new ArrayList<>();
  private final List<HazelcastClusterManager> managers = new ArrayList<>();
  private final java.util.Set<Integer> crashed = new java.util.HashSet<>();

  public Herald start() {
    return start(new JsonObject());
  }

  public Herald start(JsonObject overrides) {
    Config config;
    try (InputStream in = new FileInputStream("cluster.xml")) {
      config = new XmlConfigBuilder(in).build().setClusterName(clusterName);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    Vertx vertx = TestNodes.await(Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
        .withClusterManager(manager)
        .buildClustered());
    vertxes.add(vertx);
    managers.add(manager);
    JsonObject settings = new JsonObject().put("http.port", 0).put("http.host", "127.0.0.1")
        .put("bus.consumer-linger-ms", 0).put("alerts.enabled", false);
    overrides.forEach(e -> settings.put(e.getKey(), e.getValue()));
    Herald herald = TestNodes.await(Herald.start(vertx, Settings.of(TestNodes.nested(settings))));
    nodes.add(herald);
    return herald;
  }

  public Vertx vertx(int i) {
    return vertxes.get(i);
  }

  /** Waits until node {@code i}'s cluster holds a backup of every partition (a crash then loses no data). */
  public void awaitSafe(int i) {
    TestNodes.eventually(30_000, "cluster safe",
        () -> managers.get(i).getHazelcastInstance().getPartitionService().isClusterSafe());
  }

  /**
   * Node {@code i} vanishes from the cluster as if its process died: its Hazelcast member is terminated without
   * a goodbye and its Vert.x is closed (its sockets drop). It is not closed again by {@link #close}.
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

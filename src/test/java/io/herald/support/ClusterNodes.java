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
    Vertx vertx = TestNodes.await(Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(config))
        .buildClustered());
    vertxes.add(vertx);
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

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        TestNodes.await(nodes.get(i).close());
      } finally {
        TestNodes.await(vertxes.get(i).close());
      }
    }
  }
}

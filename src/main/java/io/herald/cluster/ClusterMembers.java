package io.herald.cluster;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.herald.TypedValues;
import io.herald.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of the cluster, as an event and a method, installed through the {@link Herald} API. Each node records
 * itself in the cluster-wide map {@link Addresses#MAP_NODES} and announces itself with {@code added}; a node that
 * stops cleanly (this verticle stops) withdraws itself with {@code removed}. When a node leaves without
 * withdrawing, the oldest surviving member withdraws it.
 */
public final class ClusterMembers extends VerticleBase {

  public static final String EVENT = "cluster.nodes";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembers.class);

  public static final EventDescriptor DESCRIPTOR = EventDescriptor.broadcast(EVENT)
      .description("""
          The nodes of the Herald cluster. `added` when a node joins, `removed` (with its `id`) when it leaves \
          or dies. Fields: `id` (the node id), `host`, `http_port`, `started` and `version`.""")
      .returns(new JsonObject().put("type", "object")
          .put("required", new JsonArray().add("id").add("host").add("http_port").add("started").add("version"))
          .put("properties", new JsonObject()
              .put("id", new JsonObject().put("type", "string"))
              .put("host", new JsonObject().put("type", "string"))
              .put("http_port", new JsonObject().put("type", "integer"))
              .put("started", TypedValues.DATE_SCHEMA)
              .put("version", new JsonObject().put("type", "string"))))
      .build();

  private final Herald herald;
  private final Membership membership;
  private final String host;
  private final int httpPort;
  private AsyncMap<String, JsonObject> nodes;
  private Runnable stopListening = () -> { };

  /**
   * @param host     the address the node's event bus advertises ({@code cluster.host}); "" for Hazelcast's own
   * @param httpPort the port clients reach the node at
   */
  public ClusterMembers(Herald herald, Membership membership, String host, int httpPort) {
    this.herald = herald;
    this.membership = membership;
    this.host = host.isBlank() && membership.memberHost() != null ? membership.memberHost() : host;
    this.httpPort = httpPort;
  }

  @Override
  public Future<?> start() {
    JsonObject self = new JsonObject()
        .put("id", herald.nodeId())
        .put("host", host)
        .put("http_port", httpPort)
        .put("started", TypedValues.date(System.currentTimeMillis()))
        .put("version", Herald.VERSION);
    return herald.registerEvent(DESCRIPTOR)
        .compose(v -> herald.registerMethod(new MethodDescriptor(EVENT, "The nodes of the cluster.",
            new JsonObject().put("type", "array").put("maxItems", 0), call -> list().map(l -> l))))
        .compose(v -> membership.<String, JsonObject>map(Addresses.MAP_NODES))
        .compose(map -> {
          nodes = map;
          return map.put(herald.nodeId(), self);
        })
        .compose(v -> herald.publish(EVENT, EventMessage.added(herald.nodeId(), self)))
        .onSuccess(v -> stopListening = membership.onLeft(node -> context.runOnContext(x -> left(node))));
  }

  /** Withdraws this node: it stops. */
  @Override
  public Future<?> stop() {
    stopListening.run();
    if (nodes == null) {
      return Future.succeededFuture();
    }
    return nodes.remove(herald.nodeId())
        .compose(v -> herald.publish(EVENT, EventMessage.removed(herald.nodeId())))
        .recover(e -> Future.succeededFuture());
  }

  /** Every node's record, oldest first. */
  private Future<JsonArray> list() {
    return nodes.values().map(values -> {
      List<JsonObject> sorted = new ArrayList<>(values);
      sorted.sort((a, b) -> Long.compare(a.getJsonObject("started").getLong("$date"),
          b.getJsonObject("started").getLong("$date")));
      return new JsonArray(new ArrayList<>(sorted));
    });
  }

  private void left(String nodeId) {
    if (!membership.isOldest()) {
      return;
    }
    nodes.remove(nodeId).onSuccess(record -> {
      if (record != null) {
        // Still recorded: it did not withdraw itself, so it died.
        LOG.warn("node {} ({}:{}) left the cluster without saying goodbye", nodeId, record.getString("host"),
            record.getInteger("http_port"));
        herald.publish(EVENT, EventMessage.removed(nodeId));
      }
    });
  }
}

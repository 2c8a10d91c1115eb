package io.herald.cluster;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.herald.Published;
import io.herald.Registration;
import io.herald.Roles;
import io.herald.TypedValues;
import io.herald.bus.Addresses;
import io.herald.bus.LocalDelivery;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of the cluster, as an event and a method, installed through the {@link Herald} API.
 * Each node records itself in the cluster-wide map {@link Addresses#MAP_NODES} and announces itself
 * with {@code added}; a node that stops cleanly (this verticle stops) withdraws itself with {@code
 * removed}. When a node leaves without withdrawing, the oldest surviving member withdraws it.
 *
 * <p>A network partition looks like deaths on both sides: each side's oldest member withdraws the
 * other side's nodes. When it heals ({@link Membership#onReturned}), every node records itself
 * again and tells its own clients that each node that came back is {@code added} again.
 */
public final class ClusterMembers extends VerticleBase {

  public static final String EVENT = "cluster.nodes";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembers.class);

  /** How many nodes' records are remembered for their return after a partition. */
  private static final int KNOWN = 1000;

  public static final EventDescriptor DESCRIPTOR =
      EventDescriptor.broadcast(EVENT)
          .description(
              """
          The nodes of the Herald cluster. `added` when a node joins (or comes back after a network partition), \\
          `removed` (with its `id`) when it leaves or dies. Fields: `id` (the node id), `host`, `http_port`, \\
          `started` and `version`.""")
          .returns(
              new JsonObject()
                  .put("type", "object")
                  .put(
                      "required",
                      new JsonArray()
                          .add("id")
                          .add("host")
                          .add("http_port")
                          .add("started")
                          .add("version"))
                  .put(
                      "properties",
                      new JsonObject()
                          .put("id", new JsonObject().put("type", "string"))
                          .put("host", new JsonObject().put("type", "string"))
                          .put("http_port", new JsonObject().put("type", "integer"))
                          .put("started", TypedValues.DATE_SCHEMA)
                          .put("version", new JsonObject().put("type", "string"))))
          .roles(Roles.CLUSTER_READ)
          .history(100, 300_000)
          .build();

  private final Herald herald;
  private final Membership membership;
  private final JsonObject self;

  /**
   * Every node's record this node has seen (at its start, then from {@code added}), for nodes that
   * return.
   */
  private final Map<String, JsonObject> known =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsonObject> eldest) {
          return size() > KNOWN;
        }
      };

  private AsyncMap<String, JsonObject> nodes;
  private Registration records;
  private Runnable stopListening = () -> {};

  /**
   * @param host the address the node's event bus advertises ({@code cluster.host}); "" for
   *     Hazelcast's own
   * @param httpPort the port clients reach the node at
   */
  public ClusterMembers(Herald herald, Membership membership, String host, int httpPort) {
    this.herald = herald;
    this.membership = membership;
    this.self =
        new JsonObject()
            .put("id", herald.nodeId())
            .put(
                "host",
                host.isBlank() && membership.memberHost() != null ? membership.memberHost() : host)
            .put("http_port", httpPort)
            .put("started", TypedValues.date(System.currentTimeMillis()))
            .put("version", Herald.VERSION);
  }

  @Override
  public Future<?> start() {
    return herald
        .registerEvent(DESCRIPTOR)
        .compose(
            v ->
                herald.registerMethod(
                    new MethodDescriptor(
                            EVENT,
                            "The nodes of the cluster.",
                            new JsonObject().put("type", "array").put("maxItems", 0),
                            call -> list().map(l -> l))
                        .roles(Roles.CLUSTER_READ)))
        .compose(v -> herald.consume(EVENT, this::learn))
        .compose(
            registration -> {
              records = registration;
              return membership.<String, JsonObject>map(Addresses.MAP_NODES);
            })
        .compose(
            map -> {
              nodes = map;
              return map.put(herald.nodeId(), self);
            })
        .compose(v -> herald.publish(EVENT, EventMessage.added(herald.nodeId(), self)))
        .compose(v -> nodes.values())
        .onSuccess(
            values -> {
              values.forEach(record -> known.put(record.getString("id"), record));
              Runnable stopLeft = membership.onLeft(node -> context.runOnContext(x -> left(node)));
              Runnable stopReturned =
                  membership.onReturned(node -> context.runOnContext(x -> returned(node)));
              stopListening =
                  () -> {
                    stopLeft.run();
                    stopReturned.run();
                  };
            });
  }

  /** Withdraws this node: it stops. */
  @Override
  public Future<?> stop() {
    stopListening.run();
    if (records != null) {
      records.unregister();
    }
    if (nodes == null) {
      return Future.succeededFuture();
    }
    return nodes
        .remove(herald.nodeId())
        .compose(v -> herald.publish(EVENT, EventMessage.removed(herald.nodeId())))
        .recover(e -> Future.succeededFuture());
  }

  /** Every node's record, oldest first. */
  private Future<JsonArray> list() {
    return nodes
        .values()
        .map(
            values -> {
              List<JsonObject> sorted = new ArrayList<>(values);
              sorted.sort(
                  (a, b) ->
                      Long.compare(
                          a.getJsonObject("started").getLong("$date"),
                          b.getJsonObject("started").getLong("$date")));
              return new JsonArray(new ArrayList<>(sorted));
            });
  }

  private void learn(Published published) {
    EventMessage message = published.message();
    if (message.kind() == EventMessage.Kind.ADDED && message.fields() != null) {
      known.put(String.valueOf(message.id()), message.fields());
    }
  }

  private void left(String nodeId) {
    if (!membership.isOldest()) {
      return;
    }
    nodes
        .remove(nodeId)
        .onSuccess(
            record -> {
              if (record != null) {
                // Still recorded: it did not withdraw itself, so it died (or is on the other side
                // of a partition).
                LOG.warn(
                    "node {} ({}:{}) left the cluster without saying goodbye",
                    nodeId,
                    record.getString("host"),
                    record.getInteger("http_port"));
                herald.publish(EVENT, EventMessage.removed(nodeId));
              }
            });
  }

  /**
   * {@code nodeId} is back after a partition. This node records itself again (the other side
   * withdrew it, or its side lost the record) and tells its own clients that the node is there
   * again (the other side's nodes tell theirs).
   */
  private void returned(String nodeId) {
    LOG.info("node {} is back after a network partition", nodeId);
    nodes
        .put(herald.nodeId(), self)
        .onFailure(e -> LOG.warn("node record not restored: {}", e.toString()));
    JsonObject record = known.get(nodeId);
    if (record != null) {
      LocalDelivery.deliver(
          vertx, EVENT, EventMessage.added(nodeId, record).toFrame(EVENT).encode());
    }
  }
}

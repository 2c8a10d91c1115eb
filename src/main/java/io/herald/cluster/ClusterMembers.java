package io.herald.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.Herald;
import io.herald.event.EventDescriptor;
import io.herald.event.EventMessage;
import io.herald.method.MethodDescriptor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of the cluster, as an event and a method. Each node records itself in the cluster-wide map
 * {@code herald.nodes} and announces itself with {@code added}; a node that leaves cleanly withdraws itself with
 * {@code removed}. When a node dies, the oldest surviving member withdraws it and tells its listeners (which
 * settle what the dead node left behind, e.g. its running jobs).
 */
public final class ClusterMembers {

  public static final String EVENT = "cluster.nodes";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembers.class);
  /** The member attribute in which vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  public static final EventDescriptor DESCRIPTOR = EventDescriptor.broadcast(EVENT)
      .description("""
          The nodes of the Herald cluster. `added` when a node joins, `removed` (with its `id`) when it leaves \
          or dies. Fields: `id` (the node id), `host`, `http_port`, `started` and `version`.""")
      .returns(new JsonObject().put("type", "object").put("required",
          new JsonArray().add("id").add("host").add("http_port").add("started").add("version")))
      .build();

  private final Herald herald;
  private final Context context;
  private final HazelcastInstance hazelcast;
  private final List<Consumer<String>> deathListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();
  private AsyncMap<String, JsonObject> nodes;
  private java.util.UUID listenerId;

  /** @param hazelcast the cluster's Hazelcast instance, or null for a standalone node */
  public ClusterMembers(Herald herald, Context context, HazelcastInstance hazelcast) {
    this.herald = herald;
    this.context = context;
    this.hazelcast = hazelcast;
  }

  public Future<Void> start() {
    JsonObject self = new JsonObject()
        .put("id", herald.nodeId())
        .put("host", host())
        .put("http_port", herald.httpPort())
        .put("started", new JsonObject().put("$date", System.currentTimeMillis()))
        .put("version", Herald.VERSION);
    return herald.registerEvent(DESCRIPTOR)
        .compose(v -> herald.registerMethod(new MethodDescriptor(EVENT, "The nodes of the cluster.",
            new JsonObject().put("type", "array").put("maxItems", 0), call -> list().map(l -> l))))
        .compose(v -> herald.vertx().sharedData().<String, JsonObject>getAsyncMap(HazelcastConfigs.NODES))
        .compose(map -> {
          nodes = map;
          return map.put(herald.nodeId(), self);
        })
        .compose(v -> herald.publish(EVENT, EventMessage.added(herald.nodeId(), self)))
        .onSuccess(v -> {
          if (hazelcast != null) {
            listenerId = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent event) {
                // the joining node announces itself
              }

              @Override
              public void memberRemoved(MembershipEvent event) {
                // Vert.x's node id (= the Herald node id) is a member attribute, not the member's uuid.
                String nodeId = event.getMember().getAttribute(VERTX_NODE_ID);
                if (nodeId != null) {
                  context.runOnContext(v -> removed(nodeId));
                }
              }
            });
          }
        });
  }

  /** The address the node's event bus advertises: {@code cluster.host}, or Hazelcast's address when that is "". */
  private String host() {
    String host = herald.settings().clusterHost();
    return host.isBlank() && hazelcast != null ? hazelcast.getCluster().getLocalMember().getAddress().getHost() : host;
  }

  /** Every node's record, oldest first. */
  public Future<JsonArray> list() {
    return nodes.values().map(values -> {
      List<JsonObject> sorted = new ArrayList<>(values);
      sorted.sort((a, b) -> Long.compare(a.getJsonObject("started").getLong("$date"),
          b.getJsonObject("started").getLong("$date")));
      return new JsonArray(new ArrayList<>(sorted));
    });
  }

  /**
   * Called (on the node's context) with the id of every node that left the cluster, on the one survivor that
   * handles it; listeners must tolerate a node that left cleanly.
   */
  public void onDeath(Consumer<String> listener) {
    deathListeners.add(listener);
  }

  /**
   * Called (on the node's context) with the id of every node that leaves the cluster, cleanly or not, on every
   * node, from {@link #start} on: for what each node holds on behalf of others (see {@code SourceHost}). Run the
   * returned action to stop listening.
   */
  public Runnable onLeft(Consumer<String> listener) {
    leftListeners.add(listener);
    return () -> leftListeners.remove(listener);
  }

  /** Withdraws this node: called when it stops. */
  public Future<Void> leave() {
    if (listenerId != null) {
      hazelcast.getCluster().removeMembershipListener(listenerId);
    }
    if (nodes == null) {
      return Future.succeededFuture();
    }
    return nodes.remove(herald.nodeId())
        .compose(v -> herald.publish(EVENT, EventMessage.removed(herald.nodeId())))
        .recover(e -> Future.succeededFuture());
  }

  private void removed(String nodeId) {
    leftListeners.forEach(l -> l.accept(nodeId));
    if (!isOldestSurvivor()) {
      return;
    }
    nodes.remove(nodeId).onComplete(ar -> {
      JsonObject record = ar.succeeded() ? ar.result() : null;
      if (record != null) {
        // Still recorded: it did not withdraw itself, so it died.
        LOG.warn("node {} ({}:{}) left the cluster without saying goodbye", nodeId, record.getString("host"),
            record.getInteger("http_port"));
        herald.publish(EVENT, EventMessage.removed(nodeId));
      }
      // Run either way: what a node that left cleanly handed over is gone from the shared maps already.
      deathListeners.forEach(l -> l.accept(nodeId));
    });
  }

  private boolean isOldestSurvivor() {
    Member oldest = hazelcast.getCluster().getMembers().iterator().next();
    return oldest.localMember();
  }
}

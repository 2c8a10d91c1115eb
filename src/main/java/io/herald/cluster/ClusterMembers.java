package io.herald.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.Herald;
import io.herald.bus.LocalDelivery;
import io.herald.event.EventDescriptor;
import io.herald.event.EventMessage;
import io.herald.method.MethodDescriptor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of the cluster, as an event and a method. Each node records itself in the cluster-wide map
 * {@code herald.nodes} and announces itself with {@code added}; a node that leaves cleanly withdraws itself with
 * {@code removed}. When a node dies, the oldest surviving member withdraws it and tells its listeners (which
 * settle what the dead node left behind, e.g. its running jobs).
 *
 * <p>A network partition looks like deaths on both sides: each side's oldest member withdraws the other side's
 * nodes. When it heals, Hazelcast merges the smaller side into the larger, and the other side's nodes come back
 * with the same node ids (a node that restarts gets a new one): every node then records itself again, tells its
 * own clients that each node that came back is {@code added} again, and tells its return listeners.
 */
public final class ClusterMembers {

  public static final String EVENT = "cluster.nodes";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembers.class);
  /** The member attribute in which vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  public static final EventDescriptor DESCRIPTOR = EventDescriptor.broadcast(EVENT)
      .description("""
          The nodes of the Herald cluster. `added` when a node joins (or comes back after a network partition), \
          `removed` (with its `id`) when it leaves or dies. Fields: `id` (the node id), `host`, `http_port`, \
          `started` and `version`.""")
      .returns(new JsonObject().put("type", "object").put("required",
          new JsonArray().add("id").add("host").add("http_port").add("started").add("version")))
      .build();

  private final Herald herald;
  private final Context context;
  private final HazelcastInstance hazelcast;
  private final List<Consumer<String>> deathListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> returnListeners = new CopyOnWriteArrayList<>();
  /** Every node's record that this node has seen (at its start, then from {@code added}), for nodes that return. */
  private final Map<String, JsonObject> known = Collections.synchronizedMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JsonObject> eldest) {
      return size() > 1000;
    }
  });
  private final LostNodes lost = new LostNodes();
  private AsyncMap<String, JsonObject> nodes;
  private JsonObject self;
  private MessageConsumer<String> records;
  private java.util.UUID listenerId;
  private java.util.UUID lifecycleId;

  /** @param hazelcast the cluster's Hazelcast instance, or null for a standalone node */
  public ClusterMembers(Herald herald, Context context, HazelcastInstance hazelcast) {
    this.herald = herald;
    this.context = context;
    this.hazelcast = hazelcast;
  }

  public Future<Void> start() {
    self = new JsonObject()
        .put("id", herald.nodeId())
        .put("host", host())
        .put("http_port", herald.httpPort())
        .put("started", new JsonObject().put("$date", System.currentTimeMillis()))
        .put("version", Herald.VERSION);
    records = herald.consume(EVENT, m -> {
      if (m.kind() == EventMessage.Kind.ADDED && m.fields() != null) {
        known.put(String.valueOf(m.id()), m.fields());
      }
    });
    return herald.registerEvent(DESCRIPTOR)
        .compose(v -> herald.registerMethod(new MethodDescriptor(EVENT, "The nodes of the cluster.",
            new JsonObject().put("type", "array").put("maxItems", 0), call -> list().map(l -> l))))
        .compose(v -> herald.vertx().sharedData().<String, JsonObject>getAsyncMap(HazelcastConfigs.NODES))
        .compose(map -> {
          nodes = map;
          return map.put(herald.nodeId(), self);
        })
        .compose(v -> herald.publish(EVENT, EventMessage.added(herald.nodeId(), self)))
        .compose(v -> nodes.values())
        .onSuccess(records -> {
          records.forEach(r -> known.put(r.getString("id"), r));
          if (hazelcast != null) {
            listen();
          }
        })
        .mapEmpty();
  }

  private void listen() {
    listenerId = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        String nodeId = event.getMember().getAttribute(VERTX_NODE_ID);
        if (nodeId != null) {
          context.runOnContext(v -> added(nodeId));
        }
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
    // Returns seen while this node's side merges into the other wait for the merge to end (see LostNodes).
    lifecycleId = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      switch (event.getState()) {
        case MERGING -> lost.mergeStarted();
        case MERGED, MERGE_FAILED -> context.runOnContext(v -> lost.mergeEnded().forEach(this::returned));
        default -> {
        }
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

  /**
   * Called (on the node's context) on every node with the id of each node that comes back after a network
   * partition: for what the two sides presumed of each other (e.g. the jobs each settled as FAILED). On the side
   * that merged into the other, called once the merge is done.
   */
  public void onReturn(Consumer<String> listener) {
    returnListeners.add(listener);
  }

  /**
   * The earliest time (ms, this node's clock) at which {@code nodeId} can have been cut off from this node: when
   * this node last noticed its loss, less three heartbeat timeouts (noticing takes up to about two: suspicion,
   * then removal); 0 when this node never lost it.
   */
  public long lostSince(String nodeId) {
    long at = lost.lostAt(nodeId);
    return at == 0 ? 0 : Math.max(0, at - 3 * heartbeatTimeoutMs());
  }

  private long heartbeatTimeoutMs() {
    String name = "hazelcast.max.no.heartbeat.seconds";
    String value = hazelcast == null ? null : hazelcast.getConfig().getProperty(name);
    value = value != null ? value : System.getProperty(name, "60");
    try {
      return Long.parseLong(value.trim()) * 1000;
    } catch (NumberFormatException e) {
      return 60_000;
    }
  }

  /** Withdraws this node: called when it stops. */
  public Future<Void> leave() {
    if (listenerId != null) {
      hazelcast.getCluster().removeMembershipListener(listenerId);
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleId);
    }
    if (records != null) {
      records.unregister();
    }
    if (nodes == null) {
      return Future.succeededFuture();
    }
    return nodes.remove(herald.nodeId())
        .compose(v -> herald.publish(EVENT, EventMessage.removed(herald.nodeId())))
        .recover(e -> Future.succeededFuture());
  }

  private void removed(String nodeId) {
    lost.lost(nodeId, System.currentTimeMillis());
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

  /** A member joined: a new node (it announces itself), or one this node had lost, back after a partition. */
  private void added(String nodeId) {
    lost.joined(nodeId).forEach(this::returned);
  }

  /**
   * {@code nodeId} is back. This node records itself again (the other side withdrew it, or its side lost the
   * record), tells its own clients that the node is there again (the other side's nodes tell theirs), and tells
   * its listeners.
   */
  private void returned(String nodeId) {
    LOG.info("node {} is back after a network partition", nodeId);
    nodes.put(herald.nodeId(), self).onFailure(e -> LOG.warn("node record not restored: {}", e.toString()));
    JsonObject record = known.get(nodeId);
    if (record != null) {
      LocalDelivery.deliver(herald.vertx(), EVENT, EventMessage.added(nodeId, record).toFrame(EVENT).encode());
    }
    returnListeners.forEach(l -> l.accept(nodeId));
  }

  private boolean isOldestSurvivor() {
    Member oldest = hazelcast.getCluster().getMembers().iterator().next();
    return oldest.localMember();
  }
}

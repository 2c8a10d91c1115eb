package io.herald;

import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.cluster.ClusterMembers;
import io.herald.config.Settings;
import io.herald.event.EventDescriptor;
import io.herald.event.EventMessage;
import io.herald.event.EventRegistry;
import io.herald.event.Snapshot;
import io.herald.event.SnapshotProvider;
import io.herald.event.SourceFactory;
import io.herald.http.BridgeVerticle;
import io.herald.jobs.BuiltinJobs;
import io.herald.jobs.ClusterJobs;
import io.herald.jobs.JobHandler;
import io.herald.jobs.JobManager;
import io.herald.jobs.JobMethods;
import io.herald.method.CoreMethods;
import io.herald.method.MethodDescriptor;
import io.herald.method.MethodRegistry;
import io.herald.protocol.CallError;
import io.herald.remote.SourceHost;
import io.herald.sources.BuiltinSources;
import io.herald.protocol.Errno;
import io.herald.status.NodeStats;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Herald node, and the API other verticles use to work with it. Obtain it with {@link #get(Vertx)} from any
 * verticle deployed on the node's Vert.x instance:
 *
 * <pre>{@code
 * Herald herald = Herald.get(vertx);
 * herald.registerEvent(EventDescriptor.broadcast("backup.progress").description("Backup progress").build())
 *     .onSuccess(v -> vertx.setPeriodic(1000, id ->
 *         herald.publish("backup.progress", EventMessage.changed(1, new JsonObject().put("percent", 42)))));
 * herald.consume("backup.progress", message -> LOG.info("{}", message.fields()));
 * }</pre>
 *
 * Events and methods are cluster-wide: registered on one node, they can be subscribed to, published, consumed
 * and called from every node. Publishing is best-effort (the event bus gives no delivery guarantee), ordered per
 * publisher per event.
 */
public final class Herald {

  private static final Logger LOG = LoggerFactory.getLogger(Herald.class);
  /** The version of this build (from the jar's manifest; "dev" when run from classes). */
  public static final String VERSION = java.util.Objects.requireNonNullElse(
      Herald.class.getPackage().getImplementationVersion(), "dev");
  private static final Map<Vertx, Herald> NODES = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final Settings settings;
  private final String nodeId;
  private final Context context;
  private final ClusterMembers members;
  private final SourceHost sourceHost;
  private MessageConsumer<JsonObject> probes;
  private Future<Void> closing;
  private volatile boolean draining;
  private final EventRegistry events;
  private final MethodRegistry methods;
  private final NodeStats stats = new NodeStats();
  private final JobManager jobs;
  private final ClusterJobs clusterJobs;
  private final Map<String, SourceFactory> sourceFactories = new ConcurrentHashMap<>();
  private final Map<String, SnapshotProvider> snapshots = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> positions = new ConcurrentHashMap<>();
  private final java.util.List<String> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile int httpPort;

  private Herald(Vertx vertx, Settings settings) {
    this.vertx = vertx;
    this.settings = settings;
    // Clustered: the node id is the cluster member's, so that a member that leaves names the Herald node.
    this.nodeId = vertx.isClustered() ? clusterManager(vertx).getNodeId() : UUID.randomUUID().toString();
    this.context = vertx.getOrCreateContext();
    this.events = new EventRegistry(vertx);
    this.methods = new MethodRegistry(vertx, settings.methodTimeoutMs());
    this.jobs = new JobManager(vertx, context, new JobManager.Limits(settings.jobsMaxRunning(),
        settings.jobsHistorySize(), settings.jobsProgressIntervalMs(), Path.of(settings.dataDir(), "jobs")),
        this::publishJobEvent,
        io.herald.jobs.JobIds.start(vertx, Path.of(settings.dataDir(), "jobs"))::next,
        () -> Map.of(nodeId, position(JobManager.EVENT)));
    this.clusterJobs = new ClusterJobs(this, jobs);
    this.members = new ClusterMembers(this, context, vertx.isClustered()
        ? ((HazelcastClusterManager) clusterManager(vertx)).getHazelcastInstance() : null);
    this.sourceHost = new SourceHost(this);
  }

  /** Starts a node on {@code vertx} (clustered or not): registry, built-in methods, then the HTTP servers. */
  public static Future<Herald> start(Vertx vertx, Settings settings) {
    Herald herald = new Herald(vertx, settings);
    if (NODES.putIfAbsent(vertx, herald) != null) {
      return Future.failedFuture(new IllegalStateException("a Herald node already runs on this Vert.x instance"));
    }
    herald.probes = Reachability.serve(vertx, herald.nodeId);
    return herald.probes.completion()
        .compose(v -> herald.events.start())
        .compose(v -> CoreMethods.register(herald))
        .compose(v -> herald.clusterJobs.start())
        .compose(v -> JobMethods.register(herald, herald.clusterJobs))
        .compose(v -> BuiltinJobs.register(herald))
        .compose(v -> herald.deploy(herald.sourceHost))
        .compose(v -> BuiltinSources.register(herald))
        .compose(v -> herald.deployBridges())
        .compose(v -> herald.joinMembers())
        .map(herald)
        .onFailure(e -> NODES.remove(vertx, herald));
  }

  private Future<Void> deployBridges() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < settings.httpInstances(); i++) {
      chain = chain.compose(v -> {
        BridgeVerticle bridge = new BridgeVerticle(this);
        return vertx.deployVerticle(bridge, new DeploymentOptions()).map(id -> {
          deployments.add(id);
          httpPort = bridge.port();
          return null;
        });
      });
    }
    return chain;
  }

  private void publishJobEvent(String event, EventMessage message) {
    publish(event, message).onFailure(e -> LOG.warn("job event lost: {}", e.toString()));
    clusterJobs.published(message);
  }

  private Future<Void> joinMembers() {
    members.onDeath(clusterJobs::settle);
    return members.start();
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager();
  }

  /** The node running on {@code vertx}. */
  public static Herald get(Vertx vertx) {
    Herald herald = NODES.get(vertx);
    if (herald == null) {
      throw new IllegalStateException("no Herald node runs on this Vert.x instance");
    }
    return herald;
  }

  /**
   * Deploys a verticle that belongs to the node (a built-in engine such as the alerts): it is undeployed, with the
   * servers, when the node closes.
   */
  public Future<String> deploy(Deployable verticle) {
    return vertx.deployVerticle(verticle, new DeploymentOptions()).onSuccess(deployments::add);
  }

  /**
   * Stops the node, once (later calls get the same future): it accepts no new connections, waits (at most
   * {@code shutdown.grace-ms}) for the method calls in flight to finish, then its unfinished jobs end FAILED and its job history
   * goes to a survivor; it withdraws from {@code cluster.nodes}; every websocket is closed with 1012 and the
   * servers and the node's other verticles stop; then its methods and probes are unregistered.
   */
  public synchronized Future<Void> close() {
    if (closing == null) {
      draining = true;
      NODES.remove(vertx, this);
      closing = callsFinished(System.currentTimeMillis() + settings.shutdownGraceMs())
          .compose(v -> clusterJobs.handOver())
          .compose(v -> members.leave())
          .compose(v -> Future.all(deployments.stream().map(vertx::undeploy).toList()))
          .compose(v -> methods.close())
          .compose(v -> probes.unregister())
          .compose(v -> events.stop());
    }
    return closing;
  }

  /** Completes when no method call is in flight any more, or at {@code deadline} (ms) whichever comes first. */
  private Future<Void> callsFinished(long deadline) {
    if (stats.callsInFlight.get() == 0 || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(50).compose(t -> callsFinished(deadline));
  }

  /** True once the node is stopping: it accepts no new websocket connections. */
  public boolean draining() {
    return draining;
  }

  // --- the API for verticles ---

  /** Registers a broadcast event, cluster-wide. */
  public Future<Void> registerEvent(EventDescriptor event) {
    return events.register(event);
  }

  /**
   * Registers a source event and the factory that serves it on this node. Where its instances run depends on
   * the event's {@link EventDescriptor.Placement}: a HOST source serves this node's subscriptions, those naming
   * this node in their argument, and those of nodes that have no factory for it; a CLUSTER source runs one
   * instance per argument in the cluster, on one of the nodes that registered it.
   */
  public Future<Void> registerSource(EventDescriptor event, SourceFactory factory) {
    if (event.kind() != EventDescriptor.Kind.SOURCE) {
      return Future.failedFuture(new IllegalArgumentException("'" + event.name() + "' is not a source event"));
    }
    if (sourceFactories.putIfAbsent(event.name(), factory) != null) {
      return Future.failedFuture(new CallError(Errno.EEXIST, "Event '" + event.name() + "' is already registered on this node"));
    }
    return events.register(event)
        .compose(v -> sourceHost.provide(event.name()))
        .onFailure(e -> sourceFactories.remove(event.name(), factory));
  }

  /**
   * Publishes a change of a registered broadcast event to its subscribers on every node. The frame is encoded
   * here, once; the bus carries it as a string.
   */
  public Future<Void> publish(String event, EventMessage message) {
    // Counted before the (possibly asynchronous) lookup: the position is the order of the calls.
    long position = positions.computeIfAbsent(event, e -> new AtomicLong()).incrementAndGet();
    return events.lookup(event).compose(descriptor -> {
      if (descriptor == null) {
        return Future.failedFuture(new CallError(Errno.ENOENT, "Event '" + event + "' does not exist"));
      }
      if (descriptor.kind() != EventDescriptor.Kind.BROADCAST) {
        return Future.failedFuture(new CallError(Errno.EINVAL,
            "Event '" + event + "' is produced by its source, not published"));
      }
      vertx.eventBus().publish(Addresses.event(event), message.toFrame(event).encode(), new DeliveryOptions()
          .addHeader(Addresses.POSITION_HEADER, nodeId + ":" + position));
      return Future.succeededFuture();
    });
  }

  /** How many messages of {@code event} this node has published; see {@link Snapshot#positions()}. */
  public long position(String event) {
    AtomicLong counter = positions.get(event);
    return counter == null ? 0 : counter.get();
  }

  /**
   * Lets subscriptions to a broadcast event ask for its current items first. The provider runs on this node;
   * it must honour the {@link SnapshotProvider} contract.
   */
  public void registerSnapshot(String event, SnapshotProvider provider) {
    snapshots.put(event, provider);
  }

  /** Receives every message published for a broadcast event, on any node. Unregister the consumer when done. */
  public MessageConsumer<String> consume(String event, Handler<EventMessage> handler) {
    return vertx.eventBus().<String>consumer(Addresses.event(event), msg -> {
      if (msg.headers().get(Addresses.PROBE_HEADER) == null) {
        handler.handle(EventMessage.fromFrame(new JsonObject(msg.body())));
      }
    });
  }

  /** The ids of the cluster's other nodes (none when standalone). */
  public List<String> otherNodes() {
    if (!vertx.isClustered()) {
      return List.of();
    }
    List<String> nodes = new java.util.ArrayList<>(clusterManager(vertx).getNodes());
    nodes.remove(nodeId);
    return nodes;
  }

  /** Whether {@code node} is this node or a member of its cluster. */
  public boolean isMember(String node) {
    return nodeId.equals(node) || otherNodes().contains(node);
  }

  /** Registers a method callable by clients of every node. */
  public Future<Void> registerMethod(MethodDescriptor method) {
    return methods.register(method);
  }

  /**
   * Registers a job method: a call queues a job running {@code handler} and returns the job id at once; the
   * job's progress and end are reported on {@code core.get_jobs}.
   *
   * @param params JSON Schema of the params list, or null
   */
  public Future<Void> registerJobMethod(String name, String description, JsonObject params, JobHandler handler) {
    return methods.register(new MethodDescriptor(name, description, params,
        call -> jobs.submit(name, call.params(), handler).map(id -> id)));
  }

  /** {@code {name: {description, wildcard_subscription, accepts, returns}}} of every non-private event. */
  public JsonObject catalogue() {
    JsonObject catalogue = new JsonObject();
    for (EventDescriptor event : events.all()) {
      if (!event.hidden()) {
        catalogue.put(event.name(), event.catalogueEntry());
      }
    }
    return catalogue;
  }

  // --- the node ---

  public Settings settings() {
    return settings;
  }

  public EventRegistry events() {
    return events;
  }

  public MethodRegistry methods() {
    return methods;
  }

  public ClusterMembers members() {
    return members;
  }

  public SourceHost sourceHost() {
    return sourceHost;
  }

  public JobManager jobs() {
    return jobs;
  }

  public NodeStats stats() {
    return stats;
  }

  public Map<String, SourceFactory> sourceFactories() {
    return sourceFactories;
  }

  public Map<String, SnapshotProvider> snapshotProviders() {
    return snapshots;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The port the websocket server listens on (the configured one, or the one chosen for port 0). */
  public int httpPort() {
    return httpPort;
  }

  public Vertx vertx() {
    return vertx;
  }
}

package io.herald.node;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Herald;
import io.herald.JobHandler;
import io.herald.MethodDescriptor;
import io.herald.Published;
import io.herald.Registration;
import io.herald.Roles;
import io.herald.SnapshotProvider;
import io.herald.SourceFactory;
import io.herald.StreamPosition;
import io.herald.auth.AccountMethods;
import io.herald.auth.AccountStore;
import io.herald.auth.Accounts;
import io.herald.auth.Auth;
import io.herald.auth.RoleBook;
import io.herald.auth.Tokens;
import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.cluster.ClusterMembers;
import io.herald.cluster.Membership;
import io.herald.config.DeclaredEvent;
import io.herald.config.Settings;
import io.herald.config.SettingsException;
import io.herald.event.EventRegistry;
import io.herald.event.Producers;
import io.herald.event.Publisher;
import io.herald.files.FileRoots;
import io.herald.history.History;
import io.herald.http.BridgeServices;
import io.herald.http.BridgeVerticle;
import io.herald.http.RedirectVerticle;
import io.herald.http.ServerTls;
import io.herald.jobs.BuiltinJobs;
import io.herald.jobs.ClusterJobs;
import io.herald.jobs.JobIds;
import io.herald.jobs.JobManager;
import io.herald.jobs.JobMethods;
import io.herald.method.CoreMethods;
import io.herald.method.MethodRegistry;
import io.herald.ops.Health;
import io.herald.ops.HeraldMetrics;
import io.herald.ops.Operations;
import io.herald.remote.SourceHost;
import io.herald.session.DeliveryWarmup;
import io.herald.sources.alerts.AlertConfig;
import io.herald.sources.alerts.Alerts;
import io.herald.sources.alerts.HostMetrics;
import io.herald.sources.files.TailFollowSource;
import io.herald.sources.reporting.RealtimeSource;
import io.herald.status.NodeStats;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Herald node: builds every service from the settings and passes each what it needs, installs the
 * built-in features through the {@link Herald} API (as a user's verticle would use it), serves HTTP
 * and websockets, and stops in order. The services are created here and nowhere else.
 */
public final class Node implements Herald {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Vertx vertx;
  private final Membership membership;
  private final Settings settings;
  private final Context context;
  private final NodeStats stats = new NodeStats();
  private final EventRegistry events;
  private final MethodRegistry methods;
  private final Producers producers = new Producers();
  private final History history;
  private final Publisher publisher;
  private final JobManager jobs;
  private final ClusterJobs clusterJobs;
  private final SourceHost sourceHost;
  private final Auth auth;

  /** {@code GET /metrics}: Herald's metrics, the JVM's and (when its Vert.x has them) Vert.x's. */
  private final HeraldMetrics metrics;

  /** The node's start finished: it has joined, serves, and runs its verticles ({@code /ready}). */
  private volatile boolean started;

  private volatile DeliveryWarmup.Report warmup = DeliveryWarmup.Report.NONE;

  /** Its HTTP server listens. */
  private volatile boolean serving;

  /** The environment ({@code System::getenv}; a test's map): {@code HERALD_ADMIN_PASSWORD}. */
  private final Function<String, String> env;

  /**
   * Verticles that belong to the node, in deployment order; undeployed in reverse order when it
   * stops.
   */
  private final List<String> deployments = new CopyOnWriteArrayList<>();

  private MessageConsumer<JsonObject> probes;
  private MessageConsumer<JsonObject> historyFlushes;

  /** The https certificate, watched for renewals; null when the node serves plain HTTP. */
  private ServerTls tls;

  private volatile boolean draining;

  /** The HTTP server's instances, drained when the node stops. */
  private final List<BridgeVerticle> bridges = new CopyOnWriteArrayList<>();

  private volatile int httpPort;
  private Future<Void> closing;

  private Node(NodeVertx runtime, Settings settings, Function<String, String> env) {
    this.env = env;
    this.vertx = runtime.vertx();
    this.membership = runtime.membership();
    this.settings = settings;
    this.context = vertx.getOrCreateContext();
    this.events = new EventRegistry(vertx, membership);
    this.methods = new MethodRegistry(vertx, settings.methodTimeoutMs());
    this.history =
        new History(
            vertx,
            membership.historyLogs(),
            membership::others,
            Addresses::historyFlush,
            System::currentTimeMillis);
    this.publisher = new Publisher(vertx, events, history, membership.nodeId());
    this.jobs =
        new JobManager(
            vertx,
            context,
            new JobManager.Limits(
                settings.jobsMaxRunning(),
                settings.jobsMaxWaiting(),
                settings.jobsHistorySize(),
                settings.jobsProgressIntervalMs(),
                Path.of(settings.dataDir(), "jobs")),
            this::publishJobEvent,
            JobIds.start(vertx, membership, Path.of(settings.dataDir(), "jobs"))::next,
            () -> publisher.position(JobManager.EVENT),
            System::currentTimeMillis);
    this.clusterJobs = new ClusterJobs(vertx, membership, jobs);
    this.sourceHost =
        new SourceHost(events, producers, membership, stats, settings.maxSourcesPerNode());
    this.auth =
        new Auth(
            vertx,
            new AccountStore(vertx, membership, Path.of(settings.dataDir(), "accounts.json")),
            new Tokens(membership, System::currentTimeMillis),
            new Auth.Settings(
                settings.anonymousRoles(),
                settings.pbkdf2Iterations(),
                settings.loginFailureDelayMs(),
                settings.loginMaxFailures(),
                settings.loginFailureWindowMs(),
                RoleBook.parse(settings.customRoles())),
            System::currentTimeMillis);
    this.metrics =
        new HeraldMetrics(
            runtime.registry(), membership.nodeId(), stats, events, methods, jobs, membership);
    stats.observer = metrics;
    auth.observe(metrics);
  }

  /**
   * Starts a node on a Vert.x of its own, clustered or not as the settings say. Stop it with {@link
   * #close}, then close its {@link #vertx()} — from a thread that is not one of its event loops.
   */
  public static Future<Node> start(Settings settings) {
    return NodeVertx.create(settings).compose(runtime -> start(runtime, settings));
  }

  /** Starts a node on {@code runtime}'s Vert.x, which the caller closes after the node. */
  public static Future<Node> start(NodeVertx runtime, Settings settings) {
    return start(runtime, settings, System::getenv);
  }

  /** As {@link #start(NodeVertx, Settings)}, reading environment variables from {@code env}. */
  public static Future<Node> start(
      NodeVertx runtime, Settings settings, Function<String, String> env) {
    Node node;
    try {
      node = new Node(runtime, settings, env);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return node.start()
        .map(node)
        .recover(failure -> node.close().transform(ar -> Future.failedFuture(failure)));
  }

  private Future<Void> start() {
    FileRoots roots = new FileRoots(settings.filesRoots());
    probes = Reachability.serve(vertx, nodeId());
    historyFlushes = history.serve(Addresses.historyFlush(nodeId()));
    return probes
        .completion()
        .compose(v -> historyFlushes.completion())
        .compose(v -> events.start())
        .compose(v -> CoreMethods.install(this))
        .compose(v -> clusterJobs.start())
        .compose(v -> JobMethods.install(this, clusterJobs))
        .compose(v -> BuiltinJobs.install(this, vertx, roots))
        .compose(v -> deploy(sourceHost))
        .compose(v -> RealtimeSource.install(this, vertx))
        .compose(v -> TailFollowSource.install(this, vertx, roots))
        .compose(v -> settings.alertsEnabled() ? deployAlerts() : Future.succeededFuture())
        .compose(v -> startAccounts())
        .compose(v -> startTls())
        .compose(v -> registerDeclaredEvents())
        .compose(v -> deployBridges())
        .compose(v -> deployRedirect())
        .compose(
            v -> deploy(new ClusterMembers(this, membership, settings.clusterHost(), httpPort)))
        .compose(v -> deployUserVerticles())
        .compose(v -> warmUp())
        .onSuccess(v -> started = true);
  }

  /** What the delivery path's warm-up did at start (zeros when {@code http.warmup-ms} is 0). */
  public DeliveryWarmup.Report warmup() {
    return warmup;
  }

  /** The delivery path's warm-up ({@code http.warmup-ms}), before the node says it is ready. */
  private Future<Void> warmUp() {
    // one instance is enough: the JIT's code is shared by every event loop
    return bridges
        .get(0)
        .warmUp(settings.warmupMs())
        .onSuccess(
            r -> {
              warmup = r;
              if (r.ms() > 0) {
                LOG.info(
                    "delivery path warmed up in {} ms: {} frames on {} events{}",
                    r.ms(),
                    r.frames(),
                    r.events(),
                    r.quiet() ? "" : " (stopped at http.warmup-ms, the JIT still compiling)");
              }
            })
        .mapEmpty();
  }

  /**
   * Joins the cluster's accounts; the first node of a new cluster creates user {@code admin} with
   * {@code HERALD_ADMIN_PASSWORD}, or with a random password it prints once.
   */
  private Future<Void> startAccounts() {
    String[] generated = new String[1];
    String password = env.apply("HERALD_ADMIN_PASSWORD");
    if (!settings.anonymousRoles().isEmpty()) {
      LOG.warn(
          "connections that have not logged in have the roles {} (auth.anonymous-roles){}",
          settings.anonymousRoles(),
          settings.anonymousRoles().contains(Roles.FULL_ADMIN)
              ? ": anyone who reaches this node may do anything"
              : "");
    }
    return auth.hash(() -> auth.bootstrap(Accounts.empty(), password, generated))
        .compose(first -> auth.store().start(empty -> first, settings.accountsRefreshMs()))
        .compose(
            stored -> {
              if (stored && generated[0] != null) {
                LOG.warn(
                    "no account existed: created user 'admin' (FULL_ADMIN) with password {} — shown"
                        + " this once; set HERALD_ADMIN_PASSWORD to choose it",
                    generated[0]);
              } else if (stored) {
                LOG.info("no account existed: created user 'admin' with HERALD_ADMIN_PASSWORD");
              }
              return Future.all(
                      new AccountMethods(auth)
                          .descriptors().stream().map(methods::register).toList())
                  .mapEmpty();
            });
  }

  private Future<Void> deployAlerts() {
    AlertConfig config;
    try {
      config = AlertConfig.from(settings);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return deploy(Alerts.engine(this, config, HostMetrics::read));
  }

  /** Reads and checks {@code http.tls.cert} / {@code .key} when they are set. */
  private Future<Void> startTls() {
    if (!settings.httpTls()) {
      return Future.succeededFuture();
    }
    return ServerTls.start(vertx, settings).onSuccess(t -> tls = t).mapEmpty();
  }

  /**
   * Registers the events declared in configuration ({@code events:}) cluster-wide, as a verticle's;
   * one another node registered with another definition stops the node with one line.
   */
  private Future<Void> registerDeclaredEvents() {
    Future<Void> chain = Future.succeededFuture();
    for (DeclaredEvent declared : settings.events()) {
      chain =
          chain.compose(
              v ->
                  events
                      .register(declared.descriptor())
                      .recover(
                          e ->
                              Future.failedFuture(
                                  e instanceof CallError taken
                                          && taken.error.errno() == Errno.EEXIST
                                      ? new SettingsException(
                                          "event '"
                                              + declared.name()
                                              + "' (events): "
                                              + e.getMessage()
                                              + " (give every node the same events:)")
                                      : e)));
    }
    return chain;
  }

  /** The plain listener of {@code http.tls.redirect-port} (0: none), once https listens. */
  private Future<Void> deployRedirect() {
    if (settings.httpTlsRedirectPort() == 0) {
      return Future.succeededFuture();
    }
    return deploy(new RedirectVerticle(settings, httpPort));
  }

  private Future<Void> deployBridges() {
    BridgeServices services =
        new BridgeServices(
            settings,
            membership,
            events,
            methods,
            producers,
            sourceHost,
            stats,
            operations(),
            auth,
            publisher,
            history,
            () -> draining);
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < settings.httpInstances(); i++) {
      chain =
          chain.compose(
              v -> {
                BridgeVerticle bridge = new BridgeVerticle(services, tls);
                return deploy(bridge)
                    .onSuccess(
                        v2 -> {
                          httpPort = bridge.port();
                          bridges.add(bridge);
                        });
              });
    }
    return chain.onSuccess(v -> serving = true);
  }

  /** {@code /metrics}, {@code /health} and {@code /ready} of this node. */
  private Operations operations() {
    if (settings.metricsEnabled()
        && settings.metricsToken().isEmpty()
        && !io.herald.http.HostPolicy.isLoopback(settings.httpHost())) {
      LOG.warn(
          "GET /metrics is open to whoever reaches {}:{} (metrics.token is empty)",
          settings.httpHost(),
          settings.httpPort());
    }
    return new Operations(
        settings.metricsEnabled(),
        settings.metricsToken(),
        metrics::scrape,
        Health.liveness(vertx),
        Health.readiness(
            vertx,
            new Health.Inputs(
                membership,
                settings.clustered(),
                producers,
                List.of(RealtimeSource.DESCRIPTOR.name(), TailFollowSource.DESCRIPTOR.name()),
                () -> started,
                () -> serving && !draining,
                () -> draining)));
  }

  /**
   * The {@code verticles} setting: each class gets this node through a {@code (Herald)} constructor
   * if it has one.
   */
  private Future<Void> deployUserVerticles() {
    Future<Void> chain = Future.succeededFuture();
    for (String name : settings.verticles()) {
      chain =
          chain
              .compose(v -> UserVerticles.instantiate(name, this))
              .compose(this::deploy)
              .onSuccess(v -> LOG.info("deployed {}", name));
    }
    return chain;
  }

  private Future<Void> deploy(Deployable verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::add).mapEmpty();
  }

  private void publishJobEvent(String event, EventMessage message) {
    publish(event, message).onFailure(e -> LOG.warn("job event lost: {}", e.toString()));
    clusterJobs.published(message);
  }

  /**
   * Stops the node, once (later calls get the same future): it accepts no new connections (and
   * {@code /ready} answers 503), closes its websockets with 1012 in batches spread over {@code
   * shutdown.drain-ms} (passing over those with a call in flight), waits (until {@code
   * shutdown.grace-ms} after the start of the stop) for the method calls in flight to finish, then
   * its unfinished jobs end FAILED and its job history goes to a survivor; its verticles stop in
   * reverse order (it withdraws from {@code cluster.nodes}, every websocket left is closed with
   * 1012, the features and the source host stop); then its methods, probes and registry listener
   * go. Its Vert.x is left running.
   */
  public synchronized Future<Void> close() {
    if (closing == null) {
      draining = true;
      long deadline = System.currentTimeMillis() + settings.shutdownGraceMs();
      long drainMs = settings.shutdownDrainMs();
      LOG.info(
          "draining: closing {} websocket(s) with 1012 over {} ms, refusing new ones",
          stats.connections.get(),
          drainMs);
      closing =
          Future.all(bridges.stream().map(b -> b.drain(drainMs)).toList())
              .<Void>mapEmpty()
              .recover(e -> Future.succeededFuture())
              .compose(v -> callsFinished(deadline))
              .compose(v -> clusterJobs.handOver())
              .compose(v -> undeployAll())
              .compose(v -> methods.close())
              .compose(v -> auth.close())
              .compose(v -> probes == null ? Future.succeededFuture() : probes.unregister())
              .compose(
                  v ->
                      historyFlushes == null
                          ? Future.succeededFuture()
                          : historyFlushes.unregister())
              .compose(v -> events.stop())
              .andThen(
                  ar -> {
                    if (tls != null) {
                      tls.close();
                    }
                    metrics.close();
                  });
    }
    return closing;
  }

  /** Undeploys the node's verticles one after the other, the last deployed first. */
  private Future<Void> undeployAll() {
    List<String> reversed = new ArrayList<>(deployments);
    java.util.Collections.reverse(reversed);
    Future<Void> chain = Future.succeededFuture();
    for (String id : reversed) {
      chain =
          chain.compose(
              v ->
                  vertx
                      .undeploy(id)
                      .recover(
                          e -> {
                            LOG.warn("stopping a verticle of the node failed: {}", e.toString());
                            return Future.succeededFuture();
                          }));
    }
    return chain;
  }

  /**
   * Completes when no method call is in flight any more, or at {@code deadline} (ms) whichever
   * comes first.
   */
  private Future<Void> callsFinished(long deadline) {
    if (stats.callsInFlight.get() == 0 || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(50).compose(t -> callsFinished(deadline));
  }

  /**
   * The port the websocket server listens on (the configured one, or the one chosen for port 0).
   */
  public int httpPort() {
    return httpPort;
  }

  /**
   * The history of the events that keep one: what a reconnecting client missed ({@link
   * History#since}), and where a new subscriber starts ({@link History#current}).
   */
  public History history() {
    return history;
  }

  /** The node's metrics registry (Prometheus). */
  public io.micrometer.prometheusmetrics.PrometheusMeterRegistry metricsRegistry() {
    return metrics.registry();
  }

  /** Whether the node's start has finished. */
  public boolean started() {
    return started;
  }

  /** The live counts of {@code GET /api/status}. */
  public NodeStats stats() {
    return stats;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Every event this node knows of, private ones included (for the tests of what a node describes).
   */
  java.util.Collection<EventDescriptor> registeredEvents() {
    return events.all();
  }

  /** Every method registered on this node (for the tests of what a node describes). */
  List<MethodDescriptor> registeredMethods() {
    return methods.descriptors();
  }

  // --- the API ---

  @Override
  public String nodeId() {
    return membership.nodeId();
  }

  @Override
  public Future<Void> registerEvent(EventDescriptor event) {
    return events.register(event);
  }

  @Override
  public Future<Void> registerSource(EventDescriptor event, SourceFactory factory) {
    if (event.kind() != EventDescriptor.Kind.SOURCE) {
      return Future.failedFuture(
          new IllegalArgumentException("'" + event.name() + "' is not a source event"));
    }
    if (!producers.addFactory(event.name(), factory)) {
      return Future.failedFuture(
          new CallError(
              Errno.EEXIST, "Event '" + event.name() + "' is already registered on this node"));
    }
    return events
        .register(event)
        .compose(v -> sourceHost.provide(event.name()))
        .onFailure(e -> producers.removeFactory(event.name(), factory));
  }

  @Override
  public void registerSnapshot(String event, SnapshotProvider provider) {
    producers.addSnapshot(event, provider);
  }

  @Override
  public Future<Void> registerMethod(MethodDescriptor method) {
    return methods.register(method);
  }

  @Override
  public Future<Void> registerJobMethod(
      String name, String description, JsonObject params, List<String> roles, JobHandler handler) {
    return methods.register(
        new MethodDescriptor(
            name,
            description,
            params,
            roles,
            false,
            call ->
                jobs.submit(name, call.params(), call.caller(), call.messageId(), handler)
                    .map(id -> id)),
        true);
  }

  @Override
  public Future<Void> publish(String event, EventMessage message) {
    return publisher.publish(event, message).mapEmpty();
  }

  @Override
  public StreamPosition position(String event) {
    return publisher.position(event);
  }

  @Override
  public Future<Registration> consume(String event, Handler<Published> handler) {
    return publisher.consume(event, handler);
  }

  @Override
  public Future<Object> call(String method, JsonArray params, Caller caller) {
    return methods.call(method, params, null, caller);
  }

  @Override
  public JsonObject catalogue() {
    return events.catalogue();
  }
}

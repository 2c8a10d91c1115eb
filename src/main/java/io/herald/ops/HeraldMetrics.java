package io.herald.ops;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.auth.Auth;
import io.herald.auth.SessionAuth;
import io.herald.cluster.Membership;
import io.herald.event.EventRegistry;
import io.herald.jobs.JobManager;
import io.herald.jobs.JobState;
import io.herald.method.MethodRegistry;
import io.herald.protocol.CloseCode;
import io.herald.status.NodeStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Herald's own metrics ({@code herald_*}, every one in docs/METRICS.md) on the node's Prometheus
 * registry, beside the JVM's and — when the node's Vert.x was built with them — Vert.x's. Every
 * label takes values from a bounded set: registered event and method names (others are {@code
 * other}), close codes Herald knows, the login mechanisms, the job states. What the node counts as
 * it goes is in {@link NodeStats}; what is read from elsewhere (jobs, subscriptions per event) is
 * read at each scrape.
 */
public final class HeraldMetrics implements NodeStats.Observer, Auth.LoginObserver {

  /** The label value of a method or close code outside the bounded set. */
  public static final String OTHER = "other";

  /** Method names learnt from calls answered by another node (not registered here), at most. */
  static final int MAX_REMOTE_METHODS = 200;

  /** The buckets of the method-call latency histogram. */
  private static final Duration[] CALL_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  static final List<String> MECHANISMS =
      List.of("PASSWORD_PLAIN", "API_KEY_PLAIN", "TOKEN_PLAIN", "API_KEY_SCRAM");

  private final PrometheusMeterRegistry registry;
  private final NodeStats stats;
  private final EventRegistry events;
  private final MethodRegistry methods;
  private final JobManager jobs;
  private final MultiGauge subscriptions;
  private final Map<JobState, AtomicInteger> jobsByState = new EnumMap<>(JobState.class);
  private final Set<String> remoteMethods = ConcurrentHashMap.newKeySet();
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /**
   * @param registry the node's registry: its Vert.x's (Vert.x's metrics are then on it too), or
   *     null for a registry of the node's own
   */
  public HeraldMetrics(
      PrometheusMeterRegistry registry,
      String nodeId,
      NodeStats stats,
      EventRegistry events,
      MethodRegistry methods,
      JobManager jobs,
      Membership membership) {
    this.registry =
        registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.stats = stats;
    this.events = events;
    this.methods = methods;
    this.jobs = jobs;
    new ClassLoaderMetrics().bindTo(this.registry);
    new JvmMemoryMetrics().bindTo(this.registry);
    gc.bindTo(this.registry);
    new JvmThreadMetrics().bindTo(this.registry);
    new ProcessorMetrics().bindTo(this.registry);
    new UptimeMetrics().bindTo(this.registry);

    Gauge.builder("herald.node.info", () -> 1)
        .description("This node: its id and Herald's version, as labels; always 1")
        .tags("node", nodeId, "version", io.herald.Herald.VERSION)
        .register(this.registry);
    Gauge.builder("herald.connections", stats.legacyConnections, AtomicInteger::get)
        .description("Open websockets, by endpoint")
        .tag("endpoint", "/websocket")
        .register(this.registry);
    Gauge.builder("herald.connections", stats.jsonRpcConnections, AtomicInteger::get)
        .description("Open websockets, by endpoint")
        .tag("endpoint", "/api/current")
        .register(this.registry);
    FunctionCounter.builder(
            "herald.connections.refused.per.address", stats.byAddress.refused, AtomicInteger::get)
        .description("Websocket upgrades refused (429): the address had its limit open")
        .register(this.registry);
    this.subscriptions =
        MultiGauge.builder("herald.subscriptions")
            .description("Live subscriptions, by event name (* for the wildcard)")
            .register(this.registry);
    Gauge.builder("herald.bus.consumers", stats.busConsumers, AtomicInteger::get)
        .description("Event-bus consumers this node holds for its subscribers' events")
        .register(this.registry);
    Gauge.builder("herald.source.instances", stats.sources, AtomicInteger::get)
        .description("Event source instances running on this node")
        .register(this.registry);
    Gauge.builder("herald.method.calls.in.flight", stats.callsInFlight, AtomicInteger::get)
        .description("Method calls of this node's clients not answered yet")
        .register(this.registry);
    FunctionCounter.builder("herald.messages.delivered", stats.delivered, a -> a.doubleValue())
        .description("Frames written to a websocket")
        .register(this.registry);
    FunctionCounter.builder("herald.messages.coalesced", stats.coalesced, a -> a.doubleValue())
        .description("Frames waiting for a slow client replaced by a newer value of the same key")
        .register(this.registry);
    FunctionCounter.builder("herald.messages.dropped", stats.dropped, a -> a.doubleValue())
        .description("Frames never written: their connection overflowed or closed first")
        .register(this.registry);
    Gauge.builder("herald.outbound.queued", stats.queuedBytes, a -> a.doubleValue())
        .description("Bytes waiting for slow clients, every connection together")
        .baseUnit(BaseUnits.BYTES)
        .register(this.registry);
    for (JobState state : JobState.values()) {
      AtomicInteger n = new AtomicInteger();
      jobsByState.put(state, n);
      Gauge.builder("herald.jobs", n, AtomicInteger::get)
          .description("Jobs this node holds (running, waiting and kept in its history), by state")
          .tag("state", state.name())
          .register(this.registry);
    }
    Gauge.builder("herald.cluster.members", membership, m -> m.others().size() + 1)
        .description("Members of the cluster as this node sees them, itself included")
        .register(this.registry);
    for (CloseCode code : CloseCode.values()) {
      disconnects(String.valueOf(code.code));
    }
    for (String code : List.of("1000", "1001", "1006")) {
      disconnects(code);
    }
    for (String mechanism : MECHANISMS) {
      for (String outcome : List.of(Auth.SUCCESS, Auth.FAILURE, Auth.THROTTLED)) {
        logins(mechanism, outcome);
      }
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text of every metric, the ones read from elsewhere read now. */
  public Future<String> scrape() {
    return jobs.countsByState()
        .map(
            counts -> {
              counts.forEach((state, n) -> jobsByState.get(state).set(n));
              refreshSubscriptions();
              return registry.scrape();
            });
  }

  /** One row per registered event (and {@code *}); subscriptions to other names are not shown. */
  private void refreshSubscriptions() {
    Map<String, Integer> live = stats.subscriptionsByEvent();
    Set<String> names = new TreeSet<>();
    names.add("*");
    for (EventDescriptor event : events.all()) {
      names.add(event.name());
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>(names.size());
    for (String name : names) {
      rows.add(MultiGauge.Row.of(Tags.of("event", name), live.getOrDefault(name, 0)));
    }
    subscriptions.register(rows, true);
  }

  @Override
  public void called(String method, Throwable failure, long nanos) {
    String outcome = outcome(failure);
    Timer.builder("herald.method.call.duration")
        .description("Method calls of this node's clients, by method and outcome, and their time")
        .tags("method", methodLabel(method, outcome), "outcome", outcome)
        .serviceLevelObjectives(CALL_BUCKETS)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * {@code method} when it is a known name: registered here, an {@code auth.*} method, or one
   * another node answered (at most {@link #MAX_REMOTE_METHODS} of those); else {@link #OTHER}.
   */
  String methodLabel(String method, String outcome) {
    if (methods.has(method)
        || SessionAuth.METHODS.contains(method)
        || remoteMethods.contains(method)) {
      return method;
    }
    if (!"not_found".equals(outcome) && remoteMethods.size() < MAX_REMOTE_METHODS) {
      remoteMethods.add(method);
      return method;
    }
    return OTHER;
  }

  /** A call's outcome: {@code success}, or what kind of failure. */
  static String outcome(Throwable failure) {
    if (failure == null) {
      return "success";
    }
    Errno errno = CallError.toErrorDict(failure).errno();
    if (errno == null) {
      return "error";
    }
    return switch (errno) {
      case ENOMETHOD -> "not_found";
      case EACCES, ENOTAUTHENTICATED -> "denied";
      case EINVAL -> "invalid";
      case ETIMEDOUT -> "timeout";
      case ETOOMANYREFS -> "limited";
      default -> "error";
    };
  }

  @Override
  public void disconnected(Integer code) {
    disconnects(closeLabel(code)).increment();
  }

  /**
   * The label of a close code: Herald's own and the standard ones (1000-1015) as themselves, 1006
   * when no close frame came, anything else {@link #OTHER}.
   */
  static String closeLabel(Integer code) {
    if (code == null) {
      return "1006";
    }
    if (code >= 1000 && code <= 1015) {
      return String.valueOf(code);
    }
    for (CloseCode known : CloseCode.values()) {
      if (known.code == code) {
        return String.valueOf(code);
      }
    }
    return OTHER;
  }

  private Counter disconnects(String code) {
    return Counter.builder("herald.disconnects")
        .description("Websockets closed, by close code (1006: no close frame)")
        .tag("code", code)
        .register(registry);
  }

  @Override
  public void attempted(String mechanism, String outcome) {
    logins(MECHANISMS.contains(mechanism) ? mechanism : OTHER, outcome).increment();
  }

  private Counter logins(String mechanism, String outcome) {
    return Counter.builder("herald.logins")
        .description("Login attempts, by mechanism and outcome (success, failure, throttled)")
        .tags("mechanism", mechanism, "outcome", outcome)
        .register(registry);
  }

  /** Stops what the JVM metrics listen to. */
  public void close() {
    gc.close();
  }
}

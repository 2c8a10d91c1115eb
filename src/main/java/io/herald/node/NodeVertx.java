package io.herald.node;

import io.herald.cluster.HazelcastConfigs;
import io.herald.cluster.HazelcastMembership;
import io.herald.cluster.Membership;
import io.herald.config.Settings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x instance a node runs on, its view of the cluster, and the Prometheus registry its
 * Vert.x reports its own metrics to (null when Vert.x collects none: the node's metrics then go to
 * a registry of the node's own), as the settings ask for them.
 */
public record NodeVertx(Vertx vertx, Membership membership, PrometheusMeterRegistry registry) {

  /** A Vert.x that collects no metrics of its own. */
  public NodeVertx(Vertx vertx, Membership membership) {
    this(vertx, membership, null);
  }

  /**
   * A standalone Vert.x when {@code cluster.enabled} is false, else a clustered one joined through
   * Hazelcast; with {@code metrics.enabled}, reporting its metrics to a new Prometheus registry.
   */
  public static Future<NodeVertx> create(Settings settings) {
    PrometheusMeterRegistry registry =
        settings.metricsEnabled() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    if (!settings.clustered()) {
      Vertx vertx = builder(options(settings), settings.metricsVertx() ? registry : null).build();
      return Future.succeededFuture(new NodeVertx(vertx, Membership.standalone(vertx), registry));
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastConfigs.build(settings));
    return clustered(settings, manager, registry)
        .map(vertx -> new NodeVertx(vertx, new HazelcastMembership(vertx, manager), registry));
  }

  /**
   * Vert.x's metrics (HTTP server, event bus, pools, Netty) on {@code registry}, when there is one
   * ({@code metrics.vertx}: off by default, they cost on the delivery path — measured ~12 % more
   * CPU per delivered message at 5000 subscribers). Labels that take client- or event-chosen values
   * (addresses, paths, remote ends) are left out: every label stays bounded.
   */
  private static io.vertx.core.VertxBuilder builder(
      VertxOptions options, PrometheusMeterRegistry registry) {
    if (registry == null) {
      return Vertx.builder().with(options);
    }
    options.setMetricsOptions(
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setLabels(
                EnumSet.of(
                    Label.HTTP_METHOD,
                    Label.HTTP_CODE,
                    Label.EB_SIDE,
                    Label.EB_FAILURE,
                    Label.POOL_TYPE,
                    Label.POOL_NAME,
                    Label.CLIENT_NAME,
                    Label.NAMESPACE)));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
  }

  /**
   * The options every node's Vert.x starts from: Netty's native transport (epoll) when {@code
   * http.native-transport} is on and it loads on this platform, else NIO (Vert.x falls back by
   * itself; {@code Vertx.isNativeTransportEnabled()} tells which, and the node logs it).
   */
  static VertxOptions options(Settings settings) {
    return new VertxOptions()
        .setPreferNativeTransport(settings.nativeTransport())
        .setBlockedThreadCheckInterval(BLOCKED_CHECK_INTERVAL_MS)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_EXECUTE_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(WARNING_EXCEPTION_MS)
        .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * Vert.x's blocked-thread checker looks this often (its default: every second). It warns about a
   * loop stuck past {@link #MAX_EVENT_LOOP_EXECUTE_MS} once per look, with the thread's stack once
   * it has been stuck past {@link #WARNING_EXCEPTION_MS}: with the defaults (1 s, 2 s, 5 s) a loop
   * stuck for a minute printed 60 warnings and 55 stacks, ~1,900 lines for two hostile regular
   * expressions. Now a loop stuck for a minute logs 6 warnings, 5 of them with a stack.
   */
  static final long BLOCKED_CHECK_INTERVAL_MS = 10_000;

  static final long MAX_EVENT_LOOP_EXECUTE_MS = 2_000;
  static final long WARNING_EXCEPTION_MS = 15_000;

  /** A clustered Vert.x on {@code manager}, its event bus as {@link #busOptions} says. */
  public static Future<Vertx> clustered(Settings settings, HazelcastClusterManager manager) {
    return clustered(settings, manager, null);
  }

  /** As {@link #clustered(Settings, HazelcastClusterManager)}, its metrics on {@code registry}. */
  public static Future<Vertx> clustered(
      Settings settings, HazelcastClusterManager manager, PrometheusMeterRegistry registry) {
    EventBusOptions bus = busOptions(settings);
    return builder(
            options(settings).setEventBusOptions(bus), settings.metricsVertx() ? registry : null)
        .withClusterManager(manager)
        .buildClustered();
  }

  /**
   * The event bus between nodes: bound to {@code cluster.host} ("" leaves the host unset: the bus
   * then binds to and advertises Hazelcast's own address) and {@code cluster.bus-port}; with {@code
   * cluster.bus-tls.*}, mutual TLS: every connection between two nodes is TLS, each side shows its
   * certificate and accepts only one that the trust file's certificates vouch for (client
   * authentication REQUIRED), so a process without such a certificate can neither send to nor
   * receive from the bus. The host name is not verified (Vert.x's bus client does not, and nodes
   * are reached by address): trust is the trust file. The files are read once, at start.
   */
  static EventBusOptions busOptions(Settings settings) {
    EventBusOptions bus = new EventBusOptions().setPort(settings.clusterBusPort());
    if (!settings.clusterHost().isBlank()) {
      bus.setHost(settings.clusterHost());
    }
    if (settings.busTls()) {
      bus.setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(settings.busTlsCert())
                  .setKeyPath(settings.busTlsKey()))
          .setTrustOptions(new PemTrustOptions().addCertPath(settings.busTlsTrust()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return bus;
  }
}

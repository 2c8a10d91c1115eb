package io.herald;

import io.herald.cluster.HazelcastConfigs;
import io.herald.config.ConfigLoader;
import io.herald.config.Settings;
import io.herald.config.SettingsException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Starts a node: reads the settings, joins the cluster, starts Herald, and stops cleanly on SIGTERM / SIGINT. */
public final class Main {

  static {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    Settings settings;
    try {
      Vertx bootstrap = Vertx.vertx();
      try {
        settings = ConfigLoader.load(bootstrap, System.getenv(), System.getProperties()).await();
      } finally {
        bootstrap.close().await();
      }
      Vertx vertx = createVertx(settings).await();
      Herald herald = Herald.start(vertx, settings).await();
      for (String verticle : settings.verticles()) {
        vertx.deployVerticle(verticle).await();
        LOG.info("deployed {}", verticle);
      }
      LOG.info("Herald node {} ready in {} ms: ws://{}:{}{} (cluster '{}': {})", herald.nodeId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), settings.httpHost(), herald.httpPort(),
          settings.wsPath(), settings.clusterName(), settings.clustered() ? "on" : "off");
      // SIGTERM and SIGINT stop the node and exit 0; other exits still stop it through the shutdown hook.
      Thread hook = new Thread(() -> shutdown(herald, vertx, settings), "herald-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      SignalHandler stop = signal -> {
        Runtime.getRuntime().removeShutdownHook(hook);
        shutdown(herald, vertx, settings);
        System.exit(0);
      };
      Signal.handle(new Signal("TERM"), stop);
      Signal.handle(new Signal("INT"), stop);
    } catch (SettingsException e) {
      // An operator's mistake, named in full by the message: one line, no stack trace.
      LOG.error("Herald cannot start, bad configuration: {}", e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      LOG.error("Herald failed to start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  static Future<Vertx> createVertx(Settings settings) {
    VertxOptions options = new VertxOptions();
    if (!settings.clustered()) {
      return Future.succeededFuture(Vertx.vertx(options));
    }
    // cluster.host "" leaves the host unset: the event bus then binds to and advertises Hazelcast's own address.
    EventBusOptions bus = new EventBusOptions().setPort(settings.clusterBusPort());
    if (!settings.clusterHost().isBlank()) {
      bus.setHost(settings.clusterHost());
    }
    options.setEventBusOptions(bus);
    return Vertx.builder().with(options)
        .withClusterManager(new HazelcastClusterManager(HazelcastConfigs.build(settings)))
        .buildClustered();
  }

  private static void shutdown(Herald herald, Vertx vertx, Settings settings) {
    LOG.info("Herald node {} stopping", herald.nodeId());
    try {
      // One after the other from this thread: a close chained on an event loop would complete on a dead one.
      herald.close().toCompletionStage().toCompletableFuture()
          .get(settings.shutdownGraceMs() + 5000, TimeUnit.MILLISECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("Herald node {} stopped", herald.nodeId());
    } catch (Exception e) {
      LOG.warn("Herald node {} did not stop cleanly: {}", herald.nodeId(), e.toString());
    }
  }
}

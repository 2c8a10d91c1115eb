package io.herald.node;

import io.herald.config.ConfigLoader;
import io.herald.config.Settings;
import io.herald.config.SettingsException;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Starts a node: reads the settings, joins the cluster, starts Herald, and stops cleanly on SIGTERM
 * / SIGINT.
 */
public final class Main {

  static {
    System.setProperty(
        "vertx.logger-delegate-factory-class-name",
        "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("hazelcast.logging.type", "slf4j");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

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
      LogEncoder.use(settings.logFormat());
      Node node = Node.start(settings).await();
      LOG.info(
          "Herald node {} ready in {} ms: {}://{}:{}{} (cluster '{}': {}{}), transport {}",
          node.nodeId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
          settings.httpTls() ? "wss" : "ws",
          settings.httpHost(),
          node.httpPort(),
          settings.wsPath(),
          settings.clusterName(),
          settings.clustered() ? "on" : "off",
          settings.clustered() && settings.busTls() ? ", event bus mutual TLS" : "",
          node.vertx().isNativeTransportEnabled() ? "native" : "nio");
      // SIGTERM and SIGINT stop the node and exit 0; other exits still stop it through the shutdown
      // hook.
      Thread hook = new Thread(() -> shutdown(node, settings), "herald-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      SignalHandler stop =
          signal -> {
            Runtime.getRuntime().removeShutdownHook(hook);
            shutdown(node, settings);
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

  /**
   * Stops the node, then its Vert.x, from this (non Vert.x) thread: a close chained on an event
   * loop would end on a dead one.
   */
  private static void shutdown(Node node, Settings settings) {
    LOG.info("Herald node {} stopping", node.nodeId());
    try {
      node.close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(settings.shutdownGraceMs() + 5000, TimeUnit.MILLISECONDS);
      node.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("Herald node {} stopped", node.nodeId());
    } catch (Exception e) {
      LOG.warn("Herald node {} did not stop cleanly: {}", node.nodeId(), e.toString());
    }
  }
}

package io.herald.http;

import io.herald.bus.Reachability;
import io.herald.config.Settings;
import io.herald.event.SourceManager;
import io.herald.protocol.CloseCode;
import io.herald.remote.RemoteSources;
import io.herald.remote.SourceRouter;
import io.herald.session.Connection;
import io.herald.session.DeliveryWarmup;
import io.herald.session.HandshakeDeadline;
import io.herald.session.SessionServices;
import io.herald.stream.CatchUp;
import io.herald.subscription.SubscriptionHub;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One instance of the HTTP and websocket server. Instances share the port; each owns, on its own
 * event loop, the connections it accepted, their {@link SubscriptionHub} (one bus consumer per
 * event per instance) and their {@link SourceRouter} (a {@link SourceManager} for the sources run
 * here, {@link RemoteSources} for the others). One heartbeat timer per instance pings its sockets
 * and closes silent ones.
 */
public final class BridgeVerticle extends VerticleBase {

  private final BridgeServices node;
  private final ServerTls tls;
  private final Set<Connection> connections = new LinkedHashSet<>();
  private HttpServer server;
  private SubscriptionHub hub;
  private SourceRouter sources;
  private SessionServices services;
  private long heartbeatTimer;
  private Runnable stopFollowingAccounts = () -> {};

  public BridgeVerticle(BridgeServices node) {
    this(node, null);
  }

  /**
   * @param tls the server's certificate (https and wss only), watched for renewals; null for plain
   *     HTTP
   */
  public BridgeVerticle(BridgeServices node, ServerTls tls) {
    this.node = node;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    Settings settings = node.settings();
    OriginPolicy origins = new OriginPolicy(settings.httpAllowedOrigins());
    HostPolicy hosts = new HostPolicy(settings.httpAllowedHosts(), settings.httpHost());
    Reachability reachability =
        new Reachability(
            vertx, node.membership()::all, settings.probeAttemptMs(), settings.probeAttempts());
    hub =
        new SubscriptionHub(
            vertx, context, node.events(), node.stats(), settings.consumerLingerMs(), reachability);
    sources =
        new SourceRouter(
            node.membership().nodeId(),
            node.producers().factories(),
            new SourceManager(
                context,
                node.producers().factories(),
                node.stats().sources,
                CatchUp.MAX_HELD,
                settings.maxSourcesPerNode()),
            new RemoteSources(
                vertx,
                context,
                reachability,
                node.membership(),
                node.producers(),
                node.sourceHost(),
                node.stats(),
                settings.methodTimeoutMs()));
    services =
        new SessionServices(
            settings,
            node.events(),
            node.methods(),
            hub,
            sources,
            node.producers(),
            node.stats(),
            node.auth(),
            node.history(),
            true);
    stopFollowingAccounts =
        node.auth()
            .store()
            .onChange(
                () ->
                    context.runOnContext(
                        v -> new ArrayList<>(connections).forEach(Connection::recheckLogin)));

    Router router = Router.router(vertx);
    HttpRoutes.mount(router, node);

    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(settings.httpHost())
            .setPort(settings.httpPort())
            // HTTP/1.1 and websockets only: a request offering h2c (java.net.http's default) is
            // answered in HTTP/1.1; accepting the upgrade left some answers unsent.
            .setHttp2ClearTextEnabled(false)
            .setMaxWebSocketFrameSize(settings.maxMessageBytes())
            .setMaxWebSocketMessageSize(settings.maxMessageBytes())
            .setPerMessageWebSocketCompressionSupported(settings.compression())
            .setPerFrameWebSocketCompressionSupported(settings.compression())
            .setAcceptBacklog(4096)
            // Every response is written on its connection's event loop: no cross-thread write
            // queue (4.7 KB of heap each, kept as long as an upgraded websocket lives).
            .setStrictThreadMode(true);
    if (tls != null) {
      options.setSsl(true).setKeyCertOptions(tls.keyCert());
    }
    HandshakeDeadline.apply(options, settings.handshakeTimeoutMs());
    server =
        vertx
            .createHttpServer(options)
            .webSocketHandshakeHandler(
                handshake -> {
                  if (!hosts.allows(handshake.authority())) {
                    handshake.reject(MISDIRECTED); // a Host the node does not answer to
                  } else if (!settings.wsPath().equals(handshake.path())
                      && !Connection.isJsonRpcPath(handshake.path())) {
                    handshake.reject(404);
                  } else if (!origins.allows(
                      handshake.headers().get(HttpHeaders.ORIGIN),
                      handshake.scheme(),
                      handshake.authority())) {
                    handshake.reject(403); // a web page of another origin
                  } else if (node.draining().getAsBoolean()) {
                    handshake.reject(503); // stopping: connect to another node
                  } else if (!node.stats()
                      .byAddress
                      .tryAcquire(
                          handshake.remoteAddress().host(), settings.maxConnectionsPerAddress())) {
                    handshake.reject(429); // limits.max-connections-per-address
                  } else {
                    String address = handshake.remoteAddress().host();
                    handshake.accept().onFailure(e -> node.stats().byAddress.release(address));
                  }
                })
            .webSocketHandler(ws -> accept(ws, services))
            .requestHandler(
                request -> {
                  if (hosts.allows(request.authority())) {
                    router.handle(request);
                  } else {
                    misdirected(request.response());
                  }
                });
    long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
    heartbeatTimer =
        vertx.setPeriodic(
            settings.pingIntervalMs(),
            id -> {
              long now = System.nanoTime();
              new ArrayList<>(connections).forEach(c -> c.heartbeat(now, idleNanos));
            });
    return server
        .listen()
        .onSuccess(
            s -> {
              if (tls != null) {
                tls.serve(s);
              }
            });
  }

  /**
   * Warms this instance's delivery path up ({@link DeliveryWarmup}), for at most {@code budgetMs}.
   */
  public Future<DeliveryWarmup.Report> warmUp(long budgetMs) {
    return DeliveryWarmup.run(vertx, context, services, node.membership().nodeId(), budgetMs);
  }

  /** The status of a request whose Host the node does not answer to (RFC 9110 §15.5.20). */
  static final int MISDIRECTED = 421;

  /** Answers 421 with a short text. */
  static void misdirected(HttpServerResponse response) {
    response
        .setStatusCode(MISDIRECTED)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("Misdirected Request: this node does not answer to that Host (http.allowed-hosts)\n");
  }

  private void accept(ServerWebSocket ws, SessionServices services) {
    HandshakeDeadline.lift(ws);
    String address = ws.remoteAddress().host();
    connections.add(
        new Connection(
            ws,
            services,
            System::nanoTime,
            c -> {
              connections.remove(c);
              node.stats().byAddress.release(address);
            },
            Connection.isJsonRpcPath(ws.path())));
  }

  /**
   * The node is stopping (it already refuses new websockets): closes this instance's websockets
   * with 1012 (service restart) in batches spread evenly over {@code periodMs}, so that their
   * clients reconnect to the other nodes a few at a time rather than all in the same instant. At
   * each tick (every {@code periodMs / connections}, between {@value #MIN_DRAIN_TICK_MS} and
   * {@value #MAX_DRAIN_TICK_MS} ms) as many connections are closed, the oldest first, as leave open
   * at most the share of the period still to run; at the end of the period every connection left is
   * closed. A connection with a method call in flight is passed over: it stays open until {@link
   * #stop} (the node first waits for the calls in flight, up to {@code shutdown.grace-ms}).
   * Completes at the end of the period (at once when there is no connection or the period is 0).
   */
  public Future<Void> drain(long periodMs) {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(
        v -> {
          int total = open();
          if (total == 0 || periodMs <= 0) {
            closeIdle(0);
            drained.complete();
            return;
          }
          long start = System.nanoTime();
          long tick =
              Math.max(
                  MIN_DRAIN_TICK_MS, Math.min(MAX_DRAIN_TICK_MS, periodMs / Math.max(1, total)));
          vertx.setPeriodic(
              tick,
              id -> {
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (elapsed >= periodMs) {
                  vertx.cancelTimer(id);
                  closeIdle(0);
                  drained.complete();
                } else {
                  // ceil(total * (1 - elapsed / period)): the share of the period still to run
                  closeIdle((int) ((total * (periodMs - elapsed) + periodMs - 1) / periodMs));
                }
              });
        });
    return drained.future();
  }

  /** The drain's shortest and longest ticks. */
  static final long MIN_DRAIN_TICK_MS = 10;

  static final long MAX_DRAIN_TICK_MS = 100;

  /** The connections this side has not closed. */
  private int open() {
    int open = 0;
    for (Connection c : connections) {
      if (!c.closing()) {
        open++;
      }
    }
    return open;
  }

  /**
   * Closes connections with 1012, the oldest first, passing over those with a call in flight, until
   * at most {@code keep} are open.
   */
  private void closeIdle(int keep) {
    int open = open();
    for (Connection c : new ArrayList<>(connections)) {
      if (open <= keep) {
        return;
      }
      if (!c.closing() && c.callsInFlight() == 0) {
        c.terminate(CloseCode.SERVICE_RESTART);
        open--;
      }
    }
  }

  /**
   * Closes every websocket left (see {@link #drain}) with 1012 (service restart), then the server.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeatTimer);
    stopFollowingAccounts.run();
    hub.close();
    new ArrayList<>(connections).forEach(c -> c.terminate(CloseCode.SERVICE_RESTART));
    sources.close();
    if (server != null && tls != null) {
      tls.forget(server);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int port() {
    return server.actualPort();
  }
}

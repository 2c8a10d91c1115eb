package io.herald.session;

import io.herald.EventDescriptor;
import io.herald.bus.Addresses;
import io.herald.subscription.SubscriptionHub;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the delivery path up before the node says it is ready: the JIT compiles it while no client
 * waits on it.
 *
 * <p>Why: a fresh JVM runs the fan-out interpreted, then compiled by C1, then by C2, and on a small
 * machine C2's compilations take the CPU from the event loops. Measured by {@code scripts/bench}
 * (one core, 1000 subscribers, 35,000 msgs/s), a node that took traffic at once had a p99 of 51 ms
 * in its first two seconds and 35 ms over its first ten, against 9 ms warm.
 *
 * <p>What: {@value #SOCKETS} websockets to a server of its own on 127.0.0.1 (an ephemeral port, on
 * the bridge's event loop, in strict thread mode as the bridge), each served by a real {@link
 * Connection} (half of them JSON-RPC) with the bridge's services, but counted in statistics of
 * their own and not logged, so that neither the node's metrics nor its log show them. Each
 * connection is subscribed through the bridge's own {@link SubscriptionHub} to an event of this
 * node alone ({@code herald.warmup.n<node id>}, never registered, so no client can subscribe to
 * it), an event is published to it on the event bus (local only) every millisecond, and its client
 * says {@code connect}, asks for that event by name (refused: it is not registered) and pings every
 * {@value #PING_MS} ms. So the JIT profiles what real clients will run — the handshake, the read
 * path, a subscription request, the bus consumer, the hub's fan-out to {@code Connection}s and the
 * write path — rather than compiling code a real client would then make it throw away. It ends when
 * the JIT has compiled nothing for {@value #QUIET_MS} ms (after at least {@value #MIN_MS} ms), or
 * after {@code budgetMs}, whichever comes first; then everything it opened is released and closed.
 */
public final class DeliveryWarmup {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryWarmup.class);

  public static final int SOCKETS = 32;
  static final long TICK_MS = 1;
  static final long MIN_MS = 1000;
  static final long QUIET_MS = 750;
  static final long PING_MS = 20;

  /** The epoch of the warm-up's positions: they name no publisher's history. */
  private static final String WARMUP_EPOCH = "warmup";

  /** How often the compiler's total time is read. */
  private static final long CHECK_MS = 250;

  /** Compilation below this many ms over {@link #QUIET_MS} counts as quiet. */
  private static final long QUIET_COMPILE_MS = 10;

  private final Vertx vertx;
  private final SessionServices services;
  private final EventDescriptor event;
  private final long budgetMs;
  private final List<WebSocket> legacyClients = new ArrayList<>();
  private final List<WebSocket> jsonRpcClients = new ArrayList<>();
  private final List<SubscriptionHub.Handle> memberships = new ArrayList<>();
  private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
  private final Promise<Report> done = Promise.promise();
  private HttpServer server;
  private WebSocketClient client;
  private long seq;
  private long started;
  private long publishTimer = -1;
  private long pingTimer = -1;
  private long checkTimer = -1;
  private long quietSince;
  private long compileMsAtQuiet;
  private boolean finished;

  /** What a warm-up did: its duration, the events fanned out and the frames written. */
  public record Report(long ms, long events, long frames, boolean quiet) {
    /** No warm-up ({@code http.warmup-ms} 0, or not run yet). */
    public static final Report NONE = new Report(0, 0, 0, false);
  }

  private DeliveryWarmup(Vertx vertx, SessionServices bridge, String nodeId, long budgetMs) {
    this.vertx = vertx;
    this.services = bridge.unobserved(); // not the node's statistics, nor its log
    this.event = EventDescriptor.broadcast("herald.warmup.n" + nodeId.replace('-', '_')).build();
    this.budgetMs = budgetMs;
  }

  /**
   * Runs a warm-up of at most {@code budgetMs} (0: none) on {@code context}, the event loop of the
   * bridge instance whose {@code services} it uses; never fails: a warm-up that cannot run
   * completes with what it did.
   */
  public static Future<Report> run(
      Vertx vertx, Context context, SessionServices services, String nodeId, long budgetMs) {
    if (budgetMs <= 0) {
      return Future.succeededFuture(Report.NONE);
    }
    DeliveryWarmup warmup = new DeliveryWarmup(vertx, services, nodeId, budgetMs);
    context.runOnContext(
        v -> {
          try {
            warmup.start();
          } catch (RuntimeException e) {
            LOG.warn("the delivery path's warm-up could not run: {}", e.toString());
            warmup.finish(false);
          }
        });
    return warmup.done.future();
  }

  private void start() {
    started = System.nanoTime();
    compileMsAtQuiet = compileMs();
    quietSince = started;
    checkTimer = vertx.setPeriodic(CHECK_MS, id -> check());
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions().setHost("127.0.0.1").setPort(0).setStrictThreadMode(true))
            .webSocketHandler(this::accept);
    client = vertx.createWebSocketClient();
    server
        .listen()
        .compose(s -> connectAll(s.actualPort()))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                finish(false);
              } else if (!finished) {
                publishTimer = vertx.setPeriodic(TICK_MS, id -> publish());
                pingTimer = vertx.setPeriodic(PING_MS, id -> ping());
              }
            });
  }

  /** The server side of a warm-up socket: a connection, subscribed through the bridge's hub. */
  private void accept(ServerWebSocket ws) {
    Connection connection =
        new Connection(
            ws, services, System::nanoTime, c -> {}, Connection.isJsonRpcPath(ws.path()));
    services.hub().subscribe(event, connection).onSuccess(memberships::add);
  }

  private Future<Void> connectAll(int port) {
    List<Future<WebSocket>> connecting = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      String path = i % 2 == 0 ? "/websocket" : Connection.JSON_RPC_PATH;
      connecting.add(
          client
              .connect(port, "127.0.0.1", path)
              .onSuccess(
                  ws -> {
                    ws.frameHandler(frame -> {}); // read and dropped
                    if (Connection.isJsonRpcPath(path)) {
                      jsonRpcClients.add(ws);
                      ws.writeTextMessage(
                          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"core.subscribe\",\"params\":[\""
                              + event.name()
                              + "\"]}");
                    } else {
                      legacyClients.add(ws);
                      ws.writeTextMessage(
                          "{\"msg\":\"connect\",\"version\":\"1\",\"support\":[\"1\"]}");
                      ws.writeTextMessage(
                          "{\"msg\":\"sub\",\"id\":\"w\",\"name\":\"" + event.name() + "\"}");
                    }
                  }));
    }
    return Future.all(connecting).mapEmpty();
  }

  /** Every client sends a ping, as its dialect says it. */
  private void ping() {
    legacyClients.forEach(ws -> ws.writeTextMessage("{\"msg\":\"ping\",\"id\":\"p\"}"));
    jsonRpcClients.forEach(
        ws -> ws.writeTextMessage("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"core.ping\"}"));
  }

  /** One event, encoded as a producer encodes it, published to the hub's consumer. */
  private void publish() {
    long n = seq++;
    String frame =
        new JsonObject()
            .put("msg", "changed")
            .put("collection", event.name())
            .put("id", n)
            .put(
                "fields",
                new JsonObject()
                    .put("id", n)
                    .put("state", "RUNNING")
                    .put("progress", new JsonObject().put("percent", n % 100)))
            .encode();
    // as the publisher sends it (with its position), but to this node only
    DeliveryOptions options =
        new DeliveryOptions()
            .setLocalOnly(true)
            .addHeader(Addresses.POSITION_HEADER, WARMUP_EPOCH + "@" + n);
    vertx.eventBus().publish(Addresses.event(event.name()), frame, options);
  }

  /** Ends once the JIT has been quiet long enough, or at the budget. */
  private void check() {
    long now = System.nanoTime();
    long elapsedMs = (now - started) / 1_000_000;
    long compileMs = compileMs();
    if (compileMs - compileMsAtQuiet > QUIET_COMPILE_MS) {
      compileMsAtQuiet = compileMs;
      quietSince = now;
    }
    boolean quiet = (now - quietSince) / 1_000_000 >= QUIET_MS;
    if ((quiet && elapsedMs >= MIN_MS && publishTimer >= 0) || elapsedMs >= budgetMs) {
      finish(quiet);
    }
  }

  /** The JIT's total compilation time so far (0 without a JIT: then the budget decides). */
  private long compileMs() {
    return jit == null || !jit.isCompilationTimeMonitoringSupported()
        ? 0
        : jit.getTotalCompilationTime();
  }

  private void finish(boolean quiet) {
    if (finished) {
      return;
    }
    finished = true;
    vertx.cancelTimer(publishTimer);
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(checkTimer);
    memberships.forEach(SubscriptionHub.Handle::release);
    Report report =
        new Report(
            (System.nanoTime() - started) / 1_000_000,
            seq,
            services.stats().delivered.sum(),
            quiet);
    Future.join(
            client == null ? Future.succeededFuture() : client.close(),
            server == null ? Future.succeededFuture() : server.close())
        .onComplete(v -> done.complete(report));
  }
}

package io.herald.session;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.auth.SessionAuth;
import io.herald.method.MethodRegistry;
import io.herald.protocol.BoundedReplies;
import io.herald.protocol.CloseCode;
import io.herald.subscription.Subscriber;
import io.herald.util.LogLimiter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One websocket client: decodes its messages, holds its subscriptions and calls, and writes to it
 * through a bounded {@link Outbound}. Confined to the socket's event loop.
 *
 * <p>Every way a connection ends — close frame, TCP reset, idle timeout, slow consumer, protocol
 * violation, shutdown — goes through {@link #cleanup}, which releases each subscription's bus and
 * source references once.
 */
public final class Connection implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

  /** The JSON-RPC 2.0 endpoint's path. */
  public static final String JSON_RPC_PATH = "/api/current";

  /**
   * How long a client has to take the close frame this side sent (and what is queued before it)
   * before its TCP connection is dropped: Vert.x's own closing timeout.
   */
  public static final long CLOSE_GRACE_MS =
      new HttpServerOptions().getWebSocketClosingTimeout() * 1000L;

  /**
   * Whether a websocket at {@code path} speaks JSON-RPC 2.0: {@value #JSON_RPC_PATH}, and the
   * original's versioned paths ({@code /api/v25.04.0}), all served alike.
   */
  public static boolean isJsonRpcPath(String path) {
    return JSON_RPC_PATH.equals(path) || path.matches("/api/v[0-9][0-9A-Za-z.\\-]*");
  }

  private final ServerWebSocket ws;
  private final SessionServices services;
  private final String session = UUID.randomUUID().toString();
  private final Outbound outbound;
  private final Subscriptions subscriptions;
  private final Consumer<Connection> onClosed;
  private final Context context = Vertx.currentContext();
  private final MessageAssembler assembler;
  private final RateLimit rateLimit;

  /** Nanoseconds, for the idle timeout: {@code System::nanoTime}, or a test's clock. */
  private final LongSupplier clock;

  private final SessionAuth auth;
  private final Wire wire;

  /** The dialect: JSON-RPC at /api/current, else the legacy protocol (the other one is null). */
  private final JsonRpcSession jsonRpc;

  private final LegacySession legacy;

  /** The client's address, for the log. */
  private final String address;

  /** When it opened (nanoseconds, {@code System.nanoTime}). */
  private final long opened = System.nanoTime();

  /** The close this side sent ({@link #terminate}), or null: then the client's close tells. */
  private CloseCode closedWith;

  /** Messages refused as malformed (or by the rate limit): logged once, counted at the close. */
  private int malformed;

  private int refused;

  private long lastSeen;
  private int callsInFlight;
  private long loginTimer = -1;
  private boolean closed;

  /**
   * @param clock a monotonic time in nanoseconds ({@code System::nanoTime}): when a frame arrived,
   *     for the idle timeout
   */
  public Connection(
      ServerWebSocket ws,
      SessionServices services,
      LongSupplier clock,
      Consumer<Connection> onClosed) {
    this(ws, services, clock, onClosed, false);
  }

  /**
   * @param jsonRpc the connection speaks JSON-RPC 2.0 ({@code /api/current}), else the legacy
   *     protocol ({@code /websocket})
   */
  public Connection(
      ServerWebSocket ws,
      SessionServices services,
      LongSupplier clock,
      Consumer<Connection> onClosed,
      boolean jsonRpc) {
    this.wire = jsonRpc ? Wire.JSON_RPC : Wire.LEGACY;
    this.jsonRpc = jsonRpc ? new JsonRpcSession(this) : null;
    this.legacy = jsonRpc ? null : new LegacySession(this);
    this.ws = ws;
    this.services = services;
    this.onClosed = onClosed;
    this.clock = clock;
    this.lastSeen = clock.getAsLong();
    // Before anything is written: every write to the socket is made on this event loop.
    boolean direct = DirectWrites.apply(ws);
    this.outbound =
        new Outbound(
            Outbound.Socket.of(ws, direct && !services.settings().compression()),
            services.settings().maxPendingBytes(),
            () -> terminate(CloseCode.SLOW_CONSUMER),
            services.stats());
    services.stats().connections.incrementAndGet();
    endpointCount().incrementAndGet();
    this.address = ws.remoteAddress() == null ? "unknown" : ws.remoteAddress().hostAddress();
    this.assembler = new MessageAssembler(services.settings().maxMessageBytes());
    // Its own clock: the injected one is the idle timeout's (tests count its reads).
    this.rateLimit = RateLimit.of(services.settings(), System::nanoTime);
    this.auth =
        new SessionAuth(
            services.auth(), address, ws.headers().get("Origin"), session, this::callerChanged);
    this.subscriptions = new Subscriptions(services, this, outbound, context, auth::caller, wire);
    restrictUntilLogin();
    if (services.logsLifecycle()) {
      LOG.info("connection open: session {} at {} from {}", session, endpoint(), address);
    }
    ws.frameHandler(this::onFrame);
    ws.closeHandler(v -> cleanup());
    ws.exceptionHandler(
        e -> {
          LOG.debug("session {}: {}", session, e.toString());
          // Vert.x closes the channel right after this handler without a close frame: send ours
          // first.
          terminate(closeCodeFor(e));
          cleanup();
        });
  }

  /** The code of the client's close frame, or null when none came. */
  private Integer clientCode() {
    Short code = ws.closeStatusCode();
    return code == null ? null : Integer.valueOf(code);
  }

  /**
   * The close code for a failure the socket reports: Netty's decoder refused a frame, or anything
   * else.
   */
  private static CloseCode closeCodeFor(Throwable e) {
    if (e instanceof CorruptedWebSocketFrameException corrupted) {
      int code = corrupted.closeStatus().code();
      return code == CloseCode.MESSAGE_TOO_BIG.code
          ? CloseCode.MESSAGE_TOO_BIG
          : code == CloseCode.INVALID_JSON.code ? CloseCode.INVALID_JSON : CloseCode.PROTOCOL_ERROR;
    }
    return CloseCode.INTERNAL_ERROR;
  }

  /**
   * Called by the bridge's heartbeat timer: closes a connection from which no frame has arrived for
   * more than {@code idleTimeoutNanos} at {@code nowNanos} (read from the connection's clock), else
   * pings it.
   */
  public void heartbeat(long nowNanos, long idleTimeoutNanos) {
    if (closed) {
      return;
    }
    if (nowNanos - lastSeen > idleTimeoutNanos) {
      terminate(CloseCode.IDLE_TIMEOUT);
    } else {
      ws.writePing(Buffer.buffer());
    }
  }

  /** This side closed it ({@link #terminate}), or it is closed. */
  public boolean closing() {
    return closed || closedWith != null;
  }

  /** The client's method calls that have not been answered yet. */
  public int callsInFlight() {
    return callsInFlight;
  }

  /**
   * Closes with {@code code}; what the connection holds is released on the next tick, not after the
   * close handshake.
   */
  public void terminate(CloseCode code) {
    if (closed) {
      return;
    }
    if (closedWith == null) {
      closedWith = code;
      // Vert.x's closing timeout starts only once the close frame is written: a client that stopped
      // reading (its buffers full, the frame stuck behind them) would keep its TCP connection open
      // for ever.
      context
          .owner()
          .setTimer(
              CLOSE_GRACE_MS,
              id -> {
                if (VertxInternals.abort(ws)) {
                  LOG.info(
                      "session {}: the client did not take its close frame ({}) within {} ms:"
                          + " connection dropped",
                      session,
                      code.code,
                      CLOSE_GRACE_MS);
                }
              });
    }
    ws.close(code.code, code.reason);
    // Deferred: terminate can be called from inside a fan-out loop over the hub's index.
    context.runOnContext(v -> cleanup());
  }

  /**
   * A connection that can do nothing yet — no login, no roles granted to anonymous connections —
   * may send only small messages ({@code auth.max-message-bytes-before-login}) and is closed with
   * {@link CloseCode#LOGIN_TIMEOUT} unless it logs in within {@code auth.login-timeout-ms}.
   */
  private void restrictUntilLogin() {
    boolean powerless = !auth.loggedIn() && auth.caller().roles().isEmpty();
    assembler.limit(
        powerless
            ? Math.min(
                services.settings().maxMessageBytesBeforeLogin(),
                services.settings().maxMessageBytes())
            : services.settings().maxMessageBytes());
    long timeout = services.settings().loginTimeoutMs();
    if (powerless && timeout > 0 && loginTimer < 0) {
      loginTimer =
          context
              .owner()
              .setTimer(
                  timeout,
                  id -> {
                    loginTimer = -1;
                    if (!auth.loggedIn()) {
                      terminate(CloseCode.LOGIN_TIMEOUT);
                    }
                  });
    } else if (!powerless && loginTimer >= 0) {
      context.owner().cancelTimer(loginTimer);
      loginTimer = -1;
    }
  }

  /** Who the connection is changed: subscriptions the new caller may not have end at once. */
  private void callerChanged(Caller before, Caller now) {
    if (closed) {
      return;
    }
    subscriptions.recheck(now);
    // After a logout the deadline starts again: a powerless connection must log in anew.
    restrictUntilLogin();
  }

  /** The accounts changed somewhere in the cluster: re-check this connection's login. */
  public void recheckLogin() {
    if (!closed) {
      auth.recheck();
    }
  }

  @Override
  public boolean mayReceive(EventDescriptor event, String owner) {
    return auth.caller().maySee(event.roles(), owner) || event.noAuthRequired() && owner == null;
  }

  @Override
  public void deliver(byte[] frame, Object coalesceKey, String position) {
    if (!closed) {
      outbound.send(wire.event(frame), coalesceKey);
    }
  }

  void send(JsonObject message) {
    if (!closed) {
      outbound.send(BoundedReplies.encode(message, services.settings().maxPendingBytes()), null);
    }
  }

  /** A JSON-RPC batch's responses, in one frame. */
  void send(JsonArray responses) {
    if (!closed) {
      outbound.send(BoundedReplies.encode(responses, services.settings().maxPendingBytes()), null);
    }
  }

  Subscriptions subscriptions() {
    return subscriptions;
  }

  int maxJsonDepth() {
    return services.settings().maxJsonDepth();
  }

  /**
   * Takes one message's place in the rate limit: null when admitted, else why it was refused (a
   * connection refused persistently is closed with 4008).
   */
  String admit() {
    if (rateLimit.admit()) {
      return null;
    }
    refused++;
    if (rateLimit.persistent()) {
      terminate(CloseCode.RATE_LIMITED);
    }
    return rateLimit.reason();
  }

  /** Every inbound frame counts as liveness. */
  private void onFrame(WebSocketFrame frame) {
    lastSeen = clock.getAsLong();
    if (closed) {
      return;
    }
    String text;
    try {
      text = assembler.accept(frame);
    } catch (MessageAssembler.Refused refused) {
      terminate(refused.code);
      return;
    }
    if (text != null) {
      onText(text);
    }
  }

  /** A complete text message, handled by the connection's dialect. */
  private void onText(String text) {
    try {
      if (jsonRpc != null) {
        jsonRpc.onText(text);
      } else {
        legacy.onText(text);
      }
    } catch (RuntimeException e) {
      failed(text, e);
      terminate(CloseCode.INTERNAL_ERROR);
    }
  }

  String session() {
    return session;
  }

  /**
   * Calls {@code method} for the client's call {@code messageId}, as the connection's caller,
   * within the connection's limit of concurrent calls.
   */
  Future<MethodRegistry.Result> invoke(String method, JsonArray params, Object messageId) {
    return limited(() -> dispatch(method, params, messageId));
  }

  /**
   * Runs {@code call} as one of the connection's calls in flight: at most {@code
   * limits.max-concurrent-calls} at once (one more fails with ETOOMANYREFS at once).
   */
  <T> Future<T> limited(java.util.function.Supplier<Future<T>> call) {
    int limit = services.settings().maxConcurrentCalls();
    if (callsInFlight >= limit) {
      return Future.failedFuture(
          new CallError(
              Errno.ETOOMANYREFS,
              "Too many concurrent calls on this connection (limit " + limit + ")"));
    }
    callsInFlight++;
    services.stats().callsInFlight.incrementAndGet();
    return call.get()
        .andThen(
            ar -> {
              callsInFlight--;
              services.stats().callsInFlight.decrementAndGet();
            });
  }

  /**
   * The {@code auth.*} calls here, any other through the method registry, as the caller; each
   * call's outcome and time go to the node's metrics.
   */
  Future<MethodRegistry.Result> dispatch(String method, JsonArray params, Object messageId) {
    long start = System.nanoTime();
    Future<MethodRegistry.Result> result;
    try {
      result =
          SessionAuth.METHODS.contains(method)
              ? auth.call(method, params).map(value -> new MethodRegistry.Result(value, false))
              : services.methods().call(method, params, session, auth.caller(), messageId);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.andThen(
        ar ->
            services
                .stats()
                .observer
                .called(method, ar.failed() ? ar.cause() : null, System.nanoTime() - start));
  }

  /** Calls {@code method} as {@code caller} (the session's own work, e.g. waiting for a job). */
  Future<Object> invokeAs(String method, JsonArray params, Caller caller) {
    return services.methods().call(method, params, session, caller);
  }

  // --- what the log says ---

  /** The endpoint, as the log and the metrics name it. */
  private String endpoint() {
    return jsonRpc != null ? JSON_RPC_PATH : "/websocket";
  }

  private AtomicInteger endpointCount() {
    return jsonRpc != null
        ? services.stats().jsonRpcConnections
        : services.stats().legacyConnections;
  }

  /**
   * A message that is not a valid one: the connection's first is logged (within the process-wide
   * {@link LogLimiter#HOSTILE} budget), the others are counted and their number logged at the
   * close. Never a line per message.
   */
  void malformed(String reason) {
    if (malformed++ == 0) {
      String note = LogLimiter.HOSTILE.acquire();
      if (note != null) {
        LOG.warn(
            "session {} from {}: malformed message: {} (further ones are counted, not logged){}",
            session,
            address,
            LogLimiter.clip(reason, 200),
            note);
      }
    }
  }

  /**
   * Handling a message failed: logged within {@link LogLimiter#HOSTILE}, with the message's size
   * but never its text (a login's carries a password or a key).
   */
  private void failed(String text, RuntimeException e) {
    String note = LogLimiter.HOSTILE.acquire();
    if (note != null) {
      LOG.error(
          "session {}: failed to handle a message of {} chars{}", session, text.length(), note, e);
    }
  }

  // --- the end ---

  private void cleanup() {
    if (closed) {
      return;
    }
    closed = true;
    auth.close();
    if (loginTimer >= 0) {
      context.owner().cancelTimer(loginTimer);
    }
    subscriptions.cancelAll();
    outbound.clear();
    services.stats().connections.decrementAndGet();
    endpointCount().decrementAndGet();
    Integer code = closedWith != null ? Integer.valueOf(closedWith.code) : clientCode();
    String reason = closedWith != null ? closedWith.reason : ws.closeReason();
    services.stats().observer.disconnected(code);
    if (services.logsLifecycle()) {
      LOG.info(
          "connection closed: session {} at {} from {}: code {}{} after {} s{}",
          session,
          endpoint(),
          address,
          code == null ? "none (no close frame)" : code,
          reason == null || reason.isEmpty()
              ? ""
              : " ("
                  + (closedWith != null ? "by the server: " : "")
                  + LogLimiter.clip(reason, 123)
                  + ")",
          (System.nanoTime() - opened) / 1_000_000_000L,
          malformed + refused == 0
              ? ""
              : ", " + malformed + " malformed and " + refused + " refused messages");
    }
    onClosed.accept(this);
  }
}

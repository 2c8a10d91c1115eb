package io.herald.session;

import io.herald.event.Argument;
import io.herald.event.EventDescriptor;
import io.herald.event.Snapshot;
import io.herald.event.SnapshotProvider;
import io.herald.protocol.CallError;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.CloseCode;
import io.herald.protocol.Errno;
import io.herald.protocol.ErrorDict;
import io.herald.protocol.MessageDecoder;
import io.herald.protocol.ServerMessages;
import io.herald.event.SourceSubscriber;
import io.herald.subscription.Subscriber;
import io.herald.util.OnContext;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One websocket client: decodes its messages, holds its subscriptions and calls, and writes to it through a
 * bounded {@link Outbound}. Confined to the socket's event loop.
 *
 * <p>Every way a connection ends — close frame, TCP reset, idle timeout, slow consumer, protocol violation,
 * shutdown — goes through {@link #cleanup}, which releases each subscription's bus and source references once.
 */
public final class Connection implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  /** Source frames kept for a subscription while its {@code ready} is not yet sent. */
  private static final int EARLY_FRAMES = 64;

  private final ServerWebSocket ws;
  private final SessionServices services;
  private final String session = UUID.randomUUID().toString();
  private final Outbound outbound;
  private final Map<String, Subscription> subscriptions = new HashMap<>();
  private final Consumer<Connection> onClosed;
  private final Context context = Vertx.currentContext();
  private final int maxMessageBytes;
  private long lastSeen = System.nanoTime();
  /** The fragments received so far of a text message whose last frame has not arrived. */
  private Buffer partial;
  private int callsInFlight;
  private boolean closed;

  public Connection(ServerWebSocket ws, SessionServices services, Consumer<Connection> onClosed) {
    this.ws = ws;
    this.services = services;
    this.onClosed = onClosed;
    this.outbound = new Outbound(ws, services.settings().maxPendingBytes(), () -> terminate(CloseCode.SLOW_CONSUMER));
    services.stats().connections.incrementAndGet();
    this.maxMessageBytes = services.settings().maxMessageBytes();
    // Messages are assembled here, not by Vert.x: its aggregator reports an over-long fragmented message only to
    // the exception handler, with the socket left open, and decodes invalid UTF-8 with replacement characters.
    ws.frameHandler(this::onFrame);
    ws.closeHandler(v -> cleanup());
    ws.exceptionHandler(e -> {
      LOG.debug("session {}: {}", session, e.toString());
      if (e instanceof CorruptedWebSocketFrameException corrupted) {
        // Netty's decoder refused a frame (e.g. one frame over the size limit); Vert.x closes the channel right
        // after this handler without a close frame, so send ours now.
        terminate(corrupted.closeStatus().code() == CloseCode.MESSAGE_TOO_BIG.code
            ? CloseCode.MESSAGE_TOO_BIG : CloseCode.PROTOCOL_ERROR);
      }
      cleanup();
    });
  }

  public String session() {
    return session;
  }

  /** Called by the bridge's heartbeat timer: closes a silent connection, else pings it. */
  public void heartbeat(long idleTimeoutNanos) {
    if (closed) {
      return;
    }
    if (System.nanoTime() - lastSeen > idleTimeoutNanos) {
      terminate(CloseCode.IDLE_TIMEOUT);
    } else {
      ws.writePing(Buffer.buffer());
    }
  }

  /** Closes with {@code code}; what the connection holds is released on the next tick, not after the close handshake. */
  public void terminate(CloseCode code) {
    if (closed) {
      return;
    }
    ws.close(code.code, code.reason);
    // Deferred: terminate can be called from inside a fan-out loop over the hub's index.
    context.runOnContext(v -> cleanup());
  }

  @Override
  public void deliver(byte[] frame, Object coalesceKey, String position) {
    if (!closed) {
      outbound.send(frame, coalesceKey);
    }
  }

  private void send(JsonObject message) {
    if (!closed) {
      outbound.send(message.encode().getBytes(StandardCharsets.UTF_8), null);
    }
  }

  /** Every inbound frame counts as liveness; data frames are assembled into messages of at most the limit. */
  private void onFrame(WebSocketFrame frame) {
    lastSeen = System.nanoTime();
    if (closed) {
      return;
    }
    if (frame.isBinary()) {
      terminate(CloseCode.UNSUPPORTED_DATA);
      return;
    }
    if (!frame.isText() && !frame.isContinuation()) {
      return; // ping, pong, close: handled by Vert.x
    }
    Buffer data = frame.binaryData();
    if (frame.isText()) {
      partial = null;
    } else if (partial == null) {
      return; // the rest of a message already refused (binary, or too big)
    }
    long size = (partial == null ? 0 : partial.length()) + data.length();
    if (size > maxMessageBytes) {
      partial = null;
      terminate(CloseCode.MESSAGE_TOO_BIG);
      return;
    }
    if (!frame.isFinal()) {
      partial = (partial == null ? Buffer.buffer() : partial).appendBuffer(data);
      return;
    }
    Buffer message = partial == null ? data : partial.appendBuffer(data);
    partial = null;
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(message.getBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      terminate(CloseCode.INVALID_JSON);
      return;
    }
    onText(text);
  }

  private void onText(String text) {
    ClientMessage message;
    try {
      message = MessageDecoder.decode(text);
    } catch (MessageDecoder.InvalidJson e) {
      terminate(CloseCode.INVALID_JSON);
      return;
    } catch (MessageDecoder.Malformed e) {
      send(ServerMessages.malformed(e.getMessage(), e.offending));
      return;
    }
    try {
      handle(message);
    } catch (RuntimeException e) {
      LOG.error("session {}: failed to handle {}", session, text, e);
      terminate(CloseCode.INTERNAL_ERROR);
    }
  }

  private void handle(ClientMessage message) {
    if (message instanceof ClientMessage.Connect c) {
      send(ServerMessages.PROTOCOL_VERSION.equals(c.version())
          ? ServerMessages.connected(session) : ServerMessages.failed());
    } else if (message instanceof ClientMessage.Ping p) {
      send(ServerMessages.pong(p.id()));
    } else if (message instanceof ClientMessage.Sub s) {
      subscribe(s.id(), s.name(), s.snapshot());
    } else if (message instanceof ClientMessage.Unsub u) {
      unsubscribe(u.id());
    } else if (message instanceof ClientMessage.Method m) {
      call(m);
    }
  }

  // --- subscriptions ---

  private static String key(Object id) {
    return Json.encode(id);
  }

  private void subscribe(Object id, String name, boolean snapshot) {
    String key = key(id);
    Subscription previous = subscriptions.remove(key);
    if (previous != null) {
      drop(previous);
    } else if (subscriptions.size() >= services.settings().maxSubscriptions()) {
      send(ServerMessages.nosub(id, name, ErrorDict.of(Errno.ETOOMANYREFS,
          "Too many subscriptions on this connection (limit " + services.settings().maxSubscriptions() + ")")));
      return;
    }
    Subscription sub = new Subscription(id, name);
    subscriptions.put(key, sub);
    services.stats().subscriptions.incrementAndGet();
    Future<Runnable> accepted;
    if ("*".equals(name)) {
      accepted = snapshot ? noSnapshot(name) : services.hub().subscribeWildcard(this).map(h -> h::release);
    } else {
      int colon = name.indexOf(':');
      String event = colon < 0 ? name : name.substring(0, colon);
      String arg = colon < 0 ? null : name.substring(colon + 1);
      accepted = services.events().lookup(event)
          .compose(descriptor -> accept(sub, event, descriptor, arg, snapshot));
    }
    accepted.onComplete(ar -> {
      if (sub.cancelled) {
        if (ar.succeeded()) {
          ar.result().run();
        }
        return;
      }
      if (ar.failed()) {
        subscriptions.remove(key, sub);
        services.stats().subscriptions.decrementAndGet();
        sub.cancelled = true;
        send(ServerMessages.nosub(id, name, CallError.toErrorDict(ar.cause())));
        return;
      }
      sub.release = ar.result();
      send(ServerMessages.ready(id));
      sub.live = true;
      if (sub.early != null) {
        sub.early.forEach(frame -> outbound.send(frame, null));
        sub.early = null;
      }
      if (sub.onLive != null) {
        sub.onLive.run();
        sub.onLive = null;
      }
    });
  }

  private static Future<Runnable> noSnapshot(String name) {
    return Future.failedFuture(new CallError(Errno.EINVAL, "'" + name + "' has no snapshot"));
  }

  /**
   * Snapshot, then stream: the subscription's place in the hub is taken first (held by a gate), then the
   * snapshot is read; its items go out as {@code added}, then {@code ready}, then the held messages newer than
   * the snapshot, and from then on the live stream — no gap and no duplicate.
   */
  private Future<Runnable> subscribeWithSnapshot(Subscription sub, EventDescriptor descriptor) {
    SnapshotProvider provider = services.snapshots().get(descriptor.name());
    if (provider == null) {
      return noSnapshot(descriptor.name());
    }
    SnapshotGate gate = new SnapshotGate();
    return services.hub().subscribe(descriptor, gate).compose(membership ->
        OnContext.on(context, provider.snapshot()).transform(ar -> {
          if (ar.failed()) {
            membership.release();
            return Future.failedFuture(ar.cause());
          }
          Snapshot snapshot = ar.result();
          if (!sub.cancelled) {
            snapshot.items().forEach(item -> send(item.toFrame(descriptor.name())));
          }
          sub.onLive = () -> {
            // Messages this connection already got through another subscription are not sent twice.
            boolean alreadyReceiving = services.hub().receives(descriptor, this);
            for (SnapshotGate.Held held : gate.held) {
              if (!alreadyReceiving && snapshot.isNewer(held.position())) {
                outbound.send(held.frame(), held.coalesceKey());
              }
            }
            gate.held.clear();
            membership.moveTo(this);
          };
          return Future.succeededFuture(membership::release);
        }));
  }

  private Future<Runnable> accept(Subscription sub, String event, EventDescriptor descriptor, String rawArg,
                                  boolean snapshot) {
    if (descriptor == null) {
      return Future.failedFuture(new CallError(Errno.ENOENT, "Event '" + event + "' does not exist"));
    }
    if (descriptor.kind() == EventDescriptor.Kind.BROADCAST) {
      if (rawArg != null) {
        return Future.failedFuture(new CallError(ErrorDict.validation(event, "This event does not accept arguments")));
      }
      if (snapshot) {
        return subscribeWithSnapshot(sub, descriptor);
      }
      return services.hub().subscribe(descriptor, this).map(h -> h::release);
    }
    if (snapshot) {
      return noSnapshot(sub.collection);
    }
    Object argument = rawArg == null ? null : Argument.parse(rawArg);
    if (argument != null) {
      if (descriptor.accepts() == null) {
        return Future.failedFuture(new CallError(ErrorDict.validation(event, "This event does not accept arguments")));
      }
      ErrorDict invalid = io.herald.protocol.Schema.of(descriptor.accepts()).check(argument, event);
      if (invalid != null) {
        return Future.failedFuture(new CallError(invalid));
      }
    }
    return services.sources().subscribe(descriptor, argument, sourceSubscriber(sub)).map(h -> h::release);
  }

  private SourceSubscriber sourceSubscriber(Subscription sub) {
    return new SourceSubscriber() {
      @Override
      public String collection() {
        return sub.collection;
      }

      @Override
      public void deliver(byte[] frame, boolean latestValueOnly) {
        if (sub.cancelled || closed) {
          return;
        }
        if (sub.live) {
          outbound.send(frame, latestValueOnly ? sub : null);
        } else {
          sub.holdEarly(frame, EARLY_FRAMES);
        }
      }

      @Override
      public void ended(ErrorDict error) {
        if (subscriptions.remove(key(sub.id), sub)) {
          services.stats().subscriptions.decrementAndGet();
          sub.cancelled = true;
          sub.release = null;
          send(ServerMessages.nosub(sub.id, sub.collection, error));
        }
      }
    };
  }

  private void unsubscribe(Object id) {
    Subscription sub = subscriptions.remove(key(id));
    if (sub != null) {
      drop(sub);
    }
  }

  private void drop(Subscription sub) {
    services.stats().subscriptions.decrementAndGet();
    sub.cancel();
  }

  // --- methods ---

  private void call(ClientMessage.Method m) {
    int limit = services.settings().maxConcurrentCalls();
    if (callsInFlight >= limit) {
      send(ServerMessages.error(m.id(), ErrorDict.of(Errno.ETOOMANYREFS,
          "Too many concurrent calls on this connection (limit " + limit + ")")));
      return;
    }
    callsInFlight++;
    services.stats().callsInFlight.incrementAndGet();
    services.methods().call(m.method(), m.params(), session).onComplete(ar -> {
      callsInFlight--;
      services.stats().callsInFlight.decrementAndGet();
      send(ar.succeeded() ? ServerMessages.result(m.id(), ar.result())
          : ServerMessages.error(m.id(), CallError.toErrorDict(ar.cause())));
    });
  }

  // --- the end ---

  private void cleanup() {
    if (closed) {
      return;
    }
    closed = true;
    for (Subscription sub : new ArrayList<>(subscriptions.values())) {
      drop(sub);
    }
    subscriptions.clear();
    outbound.clear();
    services.stats().connections.decrementAndGet();
    onClosed.accept(this);
  }
}

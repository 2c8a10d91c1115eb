package io.herald.session;

import io.herald.event.Argument;
import io.herald.EventDescriptor;
import io.herald.Snapshot;
import io.herald.SnapshotProvider;
import io.herald.StreamPosition;
import io.herald.event.SourceSubscriber;
import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.protocol.Schema;
import io.herald.protocol.ServerMessages;
import io.herald.subscription.Subscriber;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * The subscriptions of one connection, by {@code sub} id: {@code sub} → {@code ready} or {@code nosub},
 * {@code unsub}, and the source and snapshot plumbing behind them. Confined to the connection's event loop.
 *
 * <p>A subscription holds its hub membership or source instance from the moment it is accepted; one that is
 * cancelled (unsub, replaced, connection closed) before its answer releases what it got as soon as it gets it.
 */
final class Subscriptions {

  /** Source frames kept for a subscription while its {@code ready} is not yet sent. */
  private static final int EARLY_FRAMES = 64;

  private final SessionServices services;
  private final Subscriber connection;
  private final Outbound outbound;
  private final Context context;
  private final Map<String, Subscription> subscriptions = new HashMap<>();

  Subscriptions(SessionServices services, Subscriber connection, Outbound outbound, Context context) {
    this.services = services;
    this.connection = connection;
    this.outbound = outbound;
    this.context = context;
  }

  private void send(JsonObject message) {
    outbound.send(message.encode().getBytes(StandardCharsets.UTF_8), null);
  }

  private static String key(Object id) {
    return Json.encode(id);
  }

  void subscribe(Object id, String name, boolean snapshot) {
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
      accepted = snapshot ? noSnapshot(name) : services.hub().subscribeWildcard(connection).map(h -> h::release);
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
    SnapshotProvider provider = services.producers().snapshot(descriptor.name());
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
            boolean alreadyReceiving = services.hub().receives(descriptor, connection);
            for (SnapshotGate.Held held : gate.held) {
              if (!alreadyReceiving && snapshot.isNewer(StreamPosition.parse(held.position()))) {
                outbound.send(held.frame(), held.coalesceKey());
              }
            }
            gate.held.clear();
            membership.moveTo(connection);
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
      return services.hub().subscribe(descriptor, connection).map(h -> h::release);
    }
    if (snapshot) {
      return noSnapshot(sub.collection);
    }
    Object argument = rawArg == null ? null : Argument.parse(rawArg);
    if (argument != null) {
      if (descriptor.accepts() == null) {
        return Future.failedFuture(new CallError(ErrorDict.validation(event, "This event does not accept arguments")));
      }
      ErrorDict invalid = Schema.of(descriptor.accepts()).check(argument, event);
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
        if (sub.cancelled) {
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

  void unsubscribe(Object id) {
    Subscription sub = subscriptions.remove(key(id));
    if (sub != null) {
      drop(sub);
    }
  }

  private void drop(Subscription sub) {
    services.stats().subscriptions.decrementAndGet();
    sub.cancel();
  }

  /** Ends every subscription: the connection is gone. */
  void cancelAll() {
    for (Subscription sub : new ArrayList<>(subscriptions.values())) {
      drop(sub);
    }
    subscriptions.clear();
  }
}

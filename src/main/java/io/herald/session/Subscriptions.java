package io.herald.session;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.Snapshot;
import io.herald.SnapshotProvider;
import io.herald.StreamPosition;
import io.herald.event.Argument;
import io.herald.event.SourceSubscriber;
import io.herald.history.History;
import io.herald.history.HistoryPosition;
import io.herald.history.Recovery;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.JsonDepth;
import io.herald.protocol.Positions;
import io.herald.protocol.Schema;
import io.herald.protocol.ServerMessages;
import io.herald.stream.Attached;
import io.herald.stream.CatchUp;
import io.herald.subscription.Subscriber;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The subscriptions of one connection, by {@code sub} id: {@code sub} → {@code ready} or {@code
 * nosub}, {@code unsub}, and the source and snapshot plumbing behind them. Confined to the
 * connection's event loop.
 *
 * <p>Every subscription is {@link Attached} to its stream — a broadcast event through the hub, a
 * source instance here or on another node — and opened once accepted: the stream decides where
 * {@code ready} goes and what comes before the live messages. A subscription that is cancelled
 * (unsub, replaced, connection closed) before its answer releases what it got as soon as it gets
 * it.
 */
final class Subscriptions {

  private final SessionServices services;
  private final Subscriber connection;
  private final Outbound outbound;
  private final Context context;
  private final Map<String, Subscription> subscriptions = new HashMap<>();
  private final Supplier<Caller> caller;
  private final Wire wire;

  /**
   * The distinct event source instances (event and canonical argument) this connection's
   * subscriptions hold, with how many hold each: at most {@code limits.max-sources-per-connection}.
   */
  private final Map<String, Integer> sources = new HashMap<>();

  /**
   * @param caller who the connection is now (its roles decide what it may subscribe to)
   */
  Subscriptions(
      SessionServices services,
      Subscriber connection,
      Outbound outbound,
      Context context,
      Supplier<Caller> caller,
      Wire wire) {
    this.wire = wire;
    this.services = services;
    this.connection = connection;
    this.outbound = outbound;
    this.context = context;
    this.caller = caller;
  }

  /**
   * Whether {@code caller} may hold a subscription to {@code event} (null: {@code *}): with one of
   * its roles, or when it needs no login, or — for an owner-scoped event — as any logged-in user
   * (who then receives their own messages only). {@code *} needs a login or roles granted to
   * anonymous connections; it delivers only what the caller may see.
   */
  static boolean mayHold(Caller caller, EventDescriptor event) {
    if (event == null) {
      return caller.authenticated() || !caller.roles().isEmpty();
    }
    return event.noAuthRequired()
        || caller.mayUse(event.roles())
        || event.ownerScoped() && caller.authenticated();
  }

  /**
   * The connection's caller changed (login, logout, roles or account changed): every subscription
   * it may no longer hold ends now with {@code nosub} ({@code ENOTAUTHENTICATED} or {@code
   * EACCES}).
   */
  void recheck(Caller now) {
    for (Subscription sub : new ArrayList<>(subscriptions.values())) {
      if (sub.accepted && !mayHold(now, sub.descriptor)) {
        end(sub, now.refusal());
      }
    }
  }

  /** A subscription refused for its caller (see {@link Wire#refused}). */
  private void refuse(Subscription sub, ErrorDict error) {
    finish(sub, error, true);
  }

  private void send(JsonObject message) {
    outbound.send(message.encode().getBytes(StandardCharsets.UTF_8), null);
  }

  /** An event frame, as the connection's dialect sends it. */
  private void sendEvent(byte[] frame, Object coalesceKey) {
    outbound.send(wire.event(frame), coalesceKey);
  }

  private static String key(Object id) {
    return Json.encode(id);
  }

  /** A legacy {@code sub}: answered with {@code ready}, or refused with {@code nosub}. */
  void subscribe(Object id, String name, boolean snapshot) {
    subscribe(id, name, snapshot, ClientMessage.Resume.NONE);
  }

  /**
   * A legacy {@code sub}: answered with {@code ready} (with {@code position} and {@code recovered}
   * when it asked for them), or refused with {@code nosub}.
   */
  void subscribe(Object id, String name, boolean snapshot, ClientMessage.Resume resume) {
    subscribe(
        id,
        name,
        snapshot,
        resume,
        new Subscription.Answer() {
          @Override
          public void ready(JsonObject details) {
            JsonObject ready = ServerMessages.ready(id);
            if (details != null) {
              ready.mergeIn(details);
            }
            send(ready);
          }

          /** Refused for its caller: the original's {@code result} with the error, then nosub. */
          @Override
          public void refused(ErrorDict error, boolean byRole) {
            if (byRole) {
              send(ServerMessages.error(id, error));
            }
            send(ServerMessages.nosub(id, name, error));
          }
        });
  }

  /** Subscribes {@code name} under {@code id}, replacing a subscription with the same id. */
  void subscribe(
      Object id,
      String name,
      boolean snapshot,
      ClientMessage.Resume resume,
      Subscription.Answer answer) {
    String key = key(id);
    Subscription sub = new Subscription(id, name, answer);
    Subscription previous = subscriptions.remove(key);
    if (previous != null) {
      drop(previous);
    } else if (subscriptions.size() >= services.settings().maxSubscriptions()) {
      answer.refused(
          ErrorDict.of(
              Errno.ETOOMANYREFS,
              "Too many subscriptions on this connection (limit "
                  + services.settings().maxSubscriptions()
                  + ")"),
          false);
      return;
    }
    subscriptions.put(key, sub);
    services.stats().subscribed(name);
    Future<Attached> accepted;
    if ("*".equals(name)) {
      if (!mayHold(caller.get(), null)) {
        refuse(sub, caller.get().refusal());
        return;
      }
      accepted =
          resume.asked()
              ? noResume(name)
              : snapshot
                  ? noSnapshot(name)
                  : services
                      .hub()
                      .subscribeWildcard(connection)
                      .map(handle -> Attached.live(handle::release));
    } else {
      int colon = name.indexOf(':');
      String event = colon < 0 ? name : name.substring(0, colon);
      String arg = colon < 0 ? null : name.substring(colon + 1);
      accepted =
          services
              .events()
              .lookup(event)
              .compose(descriptor -> accept(sub, event, descriptor, arg, snapshot, resume));
    }
    accepted.onComplete(
        ar -> {
          if (sub.cancelled) {
            if (ar.succeeded()) {
              ar.result().release();
            }
            return;
          }
          if (ar.failed()) {
            if (ar.cause() instanceof Refused refused) {
              refuse(sub, refused.error);
            } else {
              end(sub, CallError.toErrorDict(ar.cause()));
            }
            return;
          }
          Attached attached = ar.result();
          if (!mayHold(caller.get(), sub.descriptor)) {
            // Logged out (or lost a role) while the subscription was being set up.
            attached.release();
            refuse(sub, caller.get().refusal());
            return;
          }
          sub.accepted = true;
          sub.release = attached::release;
          if (!attached.open(
              () -> {
                sub.readySent = true;
                sub.answer.ready(sub.readyDetails);
              })) {
            end(
                sub,
                ErrorDict.of(
                    Errno.ENOBUFS,
                    "The stream of '"
                        + name
                        + "' moved faster than its snapshot could be read; subscribe again"));
          }
        });
  }

  private static Future<Attached> noResume(String name) {
    return Future.failedFuture(
        new CallError(
            ErrorDict.validation(
                name,
                "positions and since are for one broadcast event, not * or an event source")));
  }

  /** A message of a subscription with positions: where it stands, its frame, whom it concerns. */
  private record Positioned(StreamPosition position, byte[] frame, String owner) {}

  /**
   * A subscription with positions, and perhaps since a position: its place in the hub is taken
   * first, the live messages held by a {@link CatchUp}; then what the client missed is read from
   * the event's history (with {@code since}) or only where the history stands; opening sends the
   * missed messages, {@code ready} (with {@code position}, and {@code recovered}), the held
   * messages newer than what was read, and from then on the live stream — each message with the
   * position the client has seen once it has it. The CatchUp stays in the path: it numbers every
   * message.
   */
  private Future<Attached> resume(
      Subscription sub, EventDescriptor descriptor, ClientMessage.Resume resume) {
    HistoryPosition since;
    try {
      since = resume.since() == null ? null : HistoryPosition.parse(resume.since());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          new CallError(
              ErrorDict.validation(
                  descriptor.name() + ".since", "not a position this server gave")));
    }
    HistoryPosition[] seen = {since == null ? HistoryPosition.EMPTY : since};
    Caller viewer = caller.get();
    CatchUp<Positioned> catchUp =
        CatchUp.of(
            m -> {
              seen[0] = seen[0].with(m.position());
              // History entries carry their owner; live ones were filtered by the hub already.
              if (viewer.maySee(descriptor.roles(), m.owner())) {
                sendEvent(Positions.stamp(m.frame(), seen[0].encode()), null);
              }
            },
            CatchUp.MAX_HELD);
    Subscriber held =
        new Subscriber() {
          @Override
          public void deliver(byte[] frame, Object coalesceKey, String position) {
            StreamPosition at = StreamPosition.parse(position);
            catchUp.offer(at, new Positioned(at, frame, null));
          }

          @Override
          public boolean mayReceive(EventDescriptor event, String owner) {
            return connection.mayReceive(event, owner);
          }
        };
    History history = services.history();
    return services
        .hub()
        .subscribe(descriptor, held)
        .compose(
            membership ->
                OnContext.on(
                        context,
                        since == null
                            ? history
                                .current(descriptor)
                                .map(at -> new Recovery(List.of(), true, at))
                            : history.since(descriptor, since))
                    .transform(
                        ar -> {
                          if (ar.failed()) {
                            membership.release();
                            return Future.failedFuture(ar.cause());
                          }
                          Recovery recovery = ar.result();
                          List<Positioned> missed = new ArrayList<>();
                          recovery
                              .missed()
                              .forEach(
                                  r ->
                                      missed.add(
                                          new Positioned(
                                              r.position(),
                                              r.frame().getBytes(StandardCharsets.UTF_8),
                                              r.owner())));
                          return Future.succeededFuture(
                              new Attached() {
                                @Override
                                public boolean open(Runnable ready) {
                                  return catchUp.open(
                                      missed,
                                      recovery.at().positions(),
                                      () -> {
                                        // Before the subscription, or missed and read: seen.
                                        seen[0] = seen[0].merge(recovery.at());
                                        JsonObject details =
                                            new JsonObject().put("position", seen[0].encode());
                                        if (since != null) {
                                          details.put("recovered", recovery.recovered());
                                        }
                                        sub.readyDetails = details;
                                        ready.run();
                                      });
                                }

                                @Override
                                public void release() {
                                  membership.release();
                                }
                              });
                        }));
  }

  private static Future<Attached> noSnapshot(String name) {
    return Future.failedFuture(new CallError(Errno.EINVAL, "'" + name + "' has no snapshot"));
  }

  /**
   * Snapshot, then stream: the subscription's place in the hub is taken first, its messages held by
   * a {@link CatchUp}; then the snapshot is read; opening sends its items as {@code added}, {@code
   * ready}, the held messages newer than the snapshot, and from then on the live stream — no gap
   * and no duplicate.
   */
  private Future<Attached> subscribeWithSnapshot(EventDescriptor descriptor) {
    SnapshotProvider provider = services.producers().snapshot(descriptor.name());
    if (provider == null) {
      return noSnapshot(descriptor.name());
    }
    CatchUp<Runnable> catchUp = CatchUp.of(Runnable::run, CatchUp.MAX_HELD);
    // A held message is not sent when, by the time it would be, the connection gets the event
    // through another of
    // its subscriptions: it has had it already.
    Subscriber held =
        new Subscriber() {
          @Override
          public void deliver(byte[] frame, Object coalesceKey, String position) {
            catchUp.offer(
                StreamPosition.parse(position),
                () -> {
                  if (!services.hub().receives(descriptor, connection)) {
                    sendEvent(frame, coalesceKey);
                  }
                });
          }

          @Override
          public boolean mayReceive(EventDescriptor event, String owner) {
            return connection.mayReceive(event, owner);
          }
        };
    return services
        .hub()
        .subscribe(descriptor, held)
        .compose(
            membership ->
                OnContext.on(context, provider.snapshot())
                    .transform(
                        ar -> {
                          if (ar.failed()) {
                            membership.release();
                            return Future.failedFuture(ar.cause());
                          }
                          Snapshot snapshot = ar.result();
                          List<Runnable> items = new ArrayList<>();
                          // Items concerning one user go only to a subscriber who may see them.
                          Caller viewer = caller.get();
                          snapshot.items().stream()
                              .filter(item -> viewer.maySee(descriptor.roles(), item.owner()))
                              .forEach(
                                  item ->
                                      items.add(
                                          () ->
                                              sendEvent(
                                                  item.toFrame(descriptor.name())
                                                      .encode()
                                                      .getBytes(StandardCharsets.UTF_8),
                                                  null)));
                          return Future.succeededFuture(
                              new Attached() {
                                @Override
                                public boolean open(Runnable ready) {
                                  if (!catchUp.open(items, snapshot.positions(), ready)) {
                                    return false;
                                  }
                                  membership.moveTo(connection);
                                  return true;
                                }

                                @Override
                                public void release() {
                                  membership.release();
                                }
                              });
                        }));
  }

  private Future<Attached> accept(
      Subscription sub,
      String event,
      EventDescriptor descriptor,
      String rawArg,
      boolean snapshot,
      ClientMessage.Resume resume) {
    if (descriptor == null) {
      return Future.failedFuture(
          new CallError(Errno.ENOENT, "Event '" + event + "' does not exist"));
    }
    // The check is on the name without the argument, before the argument is even parsed.
    Caller now = caller.get();
    if (!mayHold(now, descriptor)) {
      return Future.failedFuture(new Refused(now.refusal()));
    }
    sub.descriptor = descriptor;
    if (descriptor.kind() == EventDescriptor.Kind.BROADCAST) {
      if (rawArg != null) {
        return Future.failedFuture(
            new CallError(ErrorDict.validation(event, "This event does not accept arguments")));
      }
      if (resume.asked()) {
        return snapshot
            ? Future.failedFuture(
                new CallError(
                    ErrorDict.validation(
                        event, "A subscription asks for a snapshot or for positions, not both")))
            : resume(sub, descriptor, resume);
      }
      if (snapshot) {
        return subscribeWithSnapshot(descriptor);
      }
      return services
          .hub()
          .subscribe(descriptor, connection)
          .map(membership -> Attached.live(membership::release));
    }
    if (resume.asked()) {
      return noResume(sub.collection);
    }
    if (snapshot) {
      return noSnapshot(sub.collection);
    }
    int maxDepth = services.settings().maxJsonDepth();
    if (rawArg != null && JsonDepth.exceeds(rawArg, maxDepth)) {
      return Future.failedFuture(
          new CallError(
              ErrorDict.validation(
                  event, "The argument is nested deeper than " + maxDepth + " levels")));
    }
    Object argument = rawArg == null ? null : Argument.parse(rawArg);
    if (argument != null) {
      if (descriptor.accepts() == null) {
        return Future.failedFuture(
            new CallError(ErrorDict.validation(event, "This event does not accept arguments")));
      }
      ErrorDict invalid = Schema.of(descriptor.accepts()).check(argument, event);
      if (invalid != null) {
        return Future.failedFuture(new CallError(invalid));
      }
    }
    String key = event + '\u0000' + Argument.canonical(argument);
    int limit = services.settings().maxSourcesPerConnection();
    if (!sources.containsKey(key) && sources.size() >= limit) {
      return Future.failedFuture(
          new CallError(
              Errno.ETOOMANYREFS,
              "Too many event source instances on this connection (limit " + limit + ")"));
    }
    sources.merge(key, 1, Integer::sum);
    sub.sourceKey = key;
    return services.sources().subscribe(descriptor, argument, sourceSubscriber(sub));
  }

  private SourceSubscriber sourceSubscriber(Subscription sub) {
    return new SourceSubscriber() {
      @Override
      public String collection() {
        return sub.collection;
      }

      @Override
      public void deliver(byte[] frame, boolean latestValueOnly) {
        if (!sub.cancelled) {
          sendEvent(frame, latestValueOnly ? sub : null);
        }
      }

      @Override
      public void ended(ErrorDict error) {
        sub.release = null;
        end(sub, error);
      }
    };
  }

  /** A subscription the caller may not hold: answered by {@link #refuse}. */
  private static final class Refused extends RuntimeException {
    final ErrorDict error;

    Refused(ErrorDict error) {
      super(error.reason(), null, false, false);
      this.error = error;
    }
  }

  /** The server ends {@code sub} (refused, or its stream ended), once. */
  private void end(Subscription sub, ErrorDict error) {
    finish(sub, error, false);
  }

  /**
   * Ends {@code sub} once: before its ready, the dialect's refusal ({@code byRole}: refused for its
   * caller); after, the dialect's end.
   */
  private void finish(Subscription sub, ErrorDict error, boolean byRole) {
    if (subscriptions.remove(key(sub.id), sub)) {
      services.stats().unsubscribed(sub.collection);
      forgetSource(sub);
      sub.cancel();
      if (sub.readySent) {
        send(wire.ended(sub, error));
      } else {
        sub.answer.refused(error, byRole);
      }
    }
  }

  /** Whether there was a subscription {@code id}. */
  boolean unsubscribe(Object id) {
    Subscription sub = subscriptions.remove(key(id));
    if (sub != null) {
      drop(sub);
    }
    return sub != null;
  }

  private void drop(Subscription sub) {
    services.stats().unsubscribed(sub.collection);
    forgetSource(sub);
    sub.cancel();
  }

  private void forgetSource(Subscription sub) {
    if (sub.sourceKey != null) {
      sources.computeIfPresent(sub.sourceKey, (k, n) -> n <= 1 ? null : n - 1);
      sub.sourceKey = null;
    }
  }

  /** Ends every subscription: the connection is gone. */
  void cancelAll() {
    for (Subscription sub : new ArrayList<>(subscriptions.values())) {
      drop(sub);
    }
    subscriptions.clear();
  }
}

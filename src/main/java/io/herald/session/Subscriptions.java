package io.herald.session;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.event.Argument;
import io.herald.event.SourceSubscriber;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.JsonDepth;
import io.herald.protocol.Schema;
import io.herald.protocol.ServerMessages;
import io.herald.stream.Attached;
import io.herald.subscription.Subscriber;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
  private final Openings openings;

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
    this.openings = new Openings(services, connection, context, caller, this::sendEvent);
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
      if (sub.readySent && !mayHold(now, sub.descriptor)) {
        end(sub, now.refusal());
      }
    }
  }

  /** A subscription refused for its caller (see {@link Subscription.Answer#refused}). */
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

  static Future<Attached> noSnapshot(String name) {
    return Future.failedFuture(new CallError(Errno.EINVAL, "'" + name + "' has no snapshot"));
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
      if (snapshot) {
        return resume.since() != null
            ? Future.failedFuture(
                new CallError(
                    ErrorDict.validation(
                        event,
                        "A subscription asks for a snapshot or for what it missed, not both")))
            : openings.snapshot(sub, descriptor, resume.positions());
      }
      if (resume.asked()) {
        return openings.resume(sub, descriptor, resume);
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

package io.herald.remote;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.cluster.Membership;
import io.herald.event.Producers;
import io.herald.event.SourceSubscriber;
import io.herald.status.NodeStats;
import io.herald.stream.Attached;
import io.herald.stream.CatchUp;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The subscriptions of one bridge instance whose source instance runs in a {@link SourceHost}: on
 * another node, or — for a CLUSTER source — on whichever node owns it, this one included. Confined
 * to the bridge's event loop.
 *
 * <p>A subscription is served as a local one would be: {@code ready} once the instance runs and the
 * bridge's consumer of its output is live, the same messages with the subscription's own
 * collection, the snapshot in its place, and {@code nosub} when the source ends or fails. Only the
 * loss of the node that runs it shows: the subscription ends with {@code nosub} and {@code
 * EHOSTDOWN} naming the node. The bridge has one {@link RemoteStream} (one bus consumer) per remote
 * instance, however many of its subscriptions share it.
 */
public final class RemoteSources {

  /** How many times a CLUSTER subscription follows "owned by another node" before giving up. */
  private static final int MAX_REDIRECTS = 3;

  private final Vertx vertx;
  private final Context context;
  private final Reachability reachability;
  private final Membership membership;
  private final Producers producers;
  private final SourceHost host;
  private final NodeStats stats;
  private final String holder;
  private final long timeoutMs;
  private final Map<String, RemoteStream> streams = new HashMap<>();
  private final Map<String, Future<String>> resolving = new HashMap<>();
  private final Runnable stopListening;
  private long subscriptions;

  /**
   * @param host this node's source host (which knows the owners and providers of sources)
   * @param timeoutMs how long a join may wait for the node that runs the instance ({@code
   *     bus.method-timeout-ms})
   */
  public RemoteSources(
      Vertx vertx,
      Context context,
      Reachability reachability,
      Membership membership,
      Producers producers,
      SourceHost host,
      NodeStats stats,
      long timeoutMs) {
    this.vertx = vertx;
    this.context = context;
    this.reachability = reachability;
    this.membership = membership;
    this.producers = producers;
    this.host = host;
    this.stats = stats;
    this.holder = membership.nodeId() + "/" + UUID.randomUUID();
    this.timeoutMs = timeoutMs;
    this.stopListening = membership.onLeft(node -> context.runOnContext(v -> nodeLeft(node)));
  }

  /**
   * Subscribes to the instance for {@code argument} on {@code node}, or, when {@code node} is null,
   * on the node that runs or may run it: the owner of a CLUSTER instance (this node, when it has
   * the factory and nobody owns it yet), else a node that has the factory. Completes when the
   * subscription is live and its snapshot read; fails with a {@link CallError}.
   */
  public Future<Attached> subscribe(
      EventDescriptor event, Object argument, String node, SourceSubscriber subscriber) {
    String key = RemoteProtocol.key(event.name(), argument);
    if (node != null && !membership.isMember(node)) {
      return Future.failedFuture(
          new CallError(Errno.ENOENT, "Node '" + node + "' is not in the cluster"));
    }
    Future<String> owner = node != null ? Future.succeededFuture(node) : resolve(event, key);
    return owner.compose(o -> join(o, event, argument, key, subscriber, 0));
  }

  /**
   * Ends every remote subscription's hold: the bridge stops (its connections have already been
   * closed).
   */
  public void close() {
    stopListening.run();
  }

  private Future<String> resolve(EventDescriptor event, String key) {
    for (RemoteStream stream : streams.values()) {
      if (stream.key.equals(key)) {
        return Future.succeededFuture(stream.owner);
      }
    }
    Future<String> pending = resolving.get(key);
    if (pending != null) {
      return pending;
    }
    Future<String> owner =
        event.placement() == EventDescriptor.Placement.CLUSTER
            ? OnContext.on(context, host.owner(key))
            : Future.succeededFuture(null);
    Future<String> resolved =
        owner.compose(
            o -> {
              if (o != null) {
                return Future.succeededFuture(o);
              }
              if (producers.hasFactory(event.name())) {
                return Future.succeededFuture(membership.nodeId());
              }
              return provider(event.name());
            });
    resolving.put(key, resolved);
    resolved.onComplete(ar -> resolving.remove(key, resolved));
    return resolved;
  }

  /** A live node that has the factory of {@code event}. */
  private Future<String> provider(String event) {
    return OnContext.on(context, host.provider(event))
        .compose(
            node ->
                node != null
                    ? Future.succeededFuture(node)
                    : Future.failedFuture(
                        new CallError(
                            Errno.ENOENT,
                            "Event source '" + event + "' is not available on any node")));
  }

  private Future<Attached> join(
      String owner,
      EventDescriptor event,
      Object argument,
      String key,
      SourceSubscriber subscriber,
      int redirects) {
    RemoteStream stream =
        streams.computeIfAbsent(
            owner + '\u0000' + key,
            id ->
                new RemoteStream(
                    vertx,
                    reachability,
                    owner,
                    key,
                    event,
                    stats.busConsumers,
                    () -> streams.remove(id)));
    RemoteStream.Member member =
        stream.add(subscriber, holder + "#" + ++subscriptions, CatchUp.MAX_HELD);
    OnContext.on(context, stream.ready)
        .compose(
            v -> {
              if (member.finished()) {
                return Future.failedFuture("gone");
              }
              if (!membership.isMember(owner)) {
                // Left before the join: the bus might still route the request to it, and it would
                // wait for its timeout.
                return Future.failedFuture(
                    new CallError(
                        Errno.EHOSTDOWN,
                        "Event source '"
                            + event.name()
                            + "': node '"
                            + owner
                            + "' left the cluster"));
              }
              member.joinSent = true;
              return vertx
                  .eventBus()
                  .<JsonObject>request(
                      Addresses.sourceHost(owner),
                      RemoteProtocol.join(event.name(), argument, key, member.hold),
                      new DeliveryOptions().setSendTimeout(timeoutMs));
            })
        .onComplete(
            ar ->
                answered(
                    member,
                    ar.succeeded() ? ar.result().body() : null,
                    ar.cause(),
                    owner,
                    event,
                    argument,
                    key,
                    redirects));
    return member.result.future();
  }

  private void answered(
      RemoteStream.Member member,
      JsonObject reply,
      Throwable failure,
      String owner,
      EventDescriptor event,
      Object argument,
      String key,
      int redirects) {
    if (member.result.future().isComplete()) {
      // Failed meanwhile (its node was lost): let go of what the join got.
      if (reply != null && !reply.containsKey("error")) {
        leave(owner, key, member.hold);
      }
      return;
    }
    if (failure != null) {
      if (member.joinSent) {
        leave(owner, key, member.hold);
      }
      member.fail(failure(event.name(), "node '" + owner + "'", failure));
    } else if (reply.containsKey("redirect") && redirects < MAX_REDIRECTS) {
      member.leave();
      join(reply.getString("redirect"), event, argument, key, member.subscriber, redirects + 1)
          .onComplete(member.result);
    } else if (reply.containsKey("redirect") || reply.containsKey("error")) {
      member.fail(
          new CallError(
              reply.containsKey("error")
                  ? RemoteProtocol.errorOf(reply)
                  : ErrorDict.of(
                      Errno.EHOSTDOWN,
                      "Event source '" + event.name() + "' has no owner in the cluster")));
    } else {
      member.result.complete(member.joined(reply, () -> leave(owner, key, member.hold)));
    }
  }

  private void leave(String owner, String key, String hold) {
    vertx.eventBus().send(Addresses.sourceHost(owner), RemoteProtocol.leave(key, hold));
  }

  /** The subscriptions to instances run by {@code node} end: it left the cluster. */
  private void nodeLeft(String node) {
    for (RemoteStream stream : new ArrayList<>(streams.values())) {
      if (stream.owner.equals(node)) {
        stream.lost(nodeLost(stream.event.name(), node));
      }
    }
  }

  /**
   * The end of the subscriptions to {@code event} run by {@code node}, which left the cluster or
   * stopped.
   */
  static ErrorDict nodeLost(String event, String node) {
    return ErrorDict.of(
        Errno.EHOSTDOWN,
        "Event source '" + event + "' ended: node '" + node + "', which ran it, left the cluster");
  }

  private static CallError failure(String event, String where, Throwable failure) {
    if (failure instanceof ReplyException e && e.failureType() == ReplyFailure.TIMEOUT) {
      return new CallError(
          Errno.ETIMEDOUT, "Event source '" + event + "' on " + where + " did not answer in time");
    }
    if (failure instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
      return new CallError(
          Errno.EHOSTDOWN, "Event source '" + event + "': " + where + " left the cluster");
    }
    return new CallError(CallError.toErrorDict(failure));
  }
}

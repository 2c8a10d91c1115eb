package io.herald.remote;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.StreamPosition;
import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.herald.event.EventRegistry;
import io.herald.event.Producers;
import io.herald.event.SourceForwarder;
import io.herald.event.SourceManager;
import io.herald.status.NodeStats;
import io.herald.stream.CatchUp;
import io.herald.util.OnContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs, on this node, the source instances that subscriptions served elsewhere hold: subscriptions
 * of other nodes to this node's HOST sources, and every subscription to the CLUSTER sources this
 * node owns. One per node, on its own context, with its own {@link SourceManager}; each instance's
 * output is published once, as messages, to the instance's address, where each subscribing node has
 * one consumer (see {@link RemoteProtocol}).
 *
 * <p>An instance runs while it has holds (one per subscription). A hold is dropped by its {@code
 * leave}, when the holder's node leaves the cluster (every node listens: {@link
 * io.herald.cluster.ClusterMembers#onLeft}), and when the instance ends; the last one dropped stops
 * the instance. When this node stops, its instances end with {@code EHOSTDOWN} for their
 * subscribers.
 */
public final class SourceHost extends VerticleBase {

  private final EventRegistry events;
  private final Producers producers;
  private final Membership membership;
  private final NodeStats stats;
  private final Map<String, Hosted> hosted = new HashMap<>();
  private SourceManager manager;
  private ClusterClaims claims;
  private Providers providers;
  private MessageConsumer<JsonObject> requests;
  private Runnable stopListening;

  private final int maxSources;

  public SourceHost(
      EventRegistry events, Producers producers, Membership membership, NodeStats stats) {
    this(events, producers, membership, stats, Integer.MAX_VALUE);
  }

  /**
   * @param maxSources {@code limits.max-sources-per-node}: instances run here for other nodes count
   *     with the node's own
   */
  public SourceHost(
      EventRegistry events,
      Producers producers,
      Membership membership,
      NodeStats stats,
      int maxSources) {
    this.maxSources = maxSources;
    this.events = events;
    this.producers = producers;
    this.membership = membership;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    manager =
        new SourceManager(
            context, producers.factories(), stats.sources, CatchUp.MAX_HELD, maxSources);
    claims = new ClusterClaims(membership, context);
    providers = new Providers(membership);
    stopListening =
        membership.onLeft(
            node ->
                context.runOnContext(
                    v -> {
                      holderLeft(node);
                      if (membership.isOldest()) {
                        claims.forget(node);
                        providers.forget(node);
                      }
                    }));
    requests = vertx.eventBus().consumer(Addresses.sourceHost(membership.nodeId()), this::handle);
    return claims.start().compose(v -> providers.start()).compose(v -> requests.completion());
  }

  /** Ends every instance (its subscribers get {@code nosub} with EHOSTDOWN) and stops serving. */
  @Override
  public Future<?> stop() {
    stopListening.run();
    for (Hosted h : new ArrayList<>(hosted.values())) {
      if (h.ready.succeeded()) {
        // Not started yet: its pending joins fail with the rest; started: its stream ends after its
        // last message.
        vertx
            .eventBus()
            .publish(
                h.address,
                RemoteProtocol.end(
                    h.ready.result().position().next(),
                    RemoteSources.nodeLost(h.event.name(), membership.nodeId())));
      }
      drop(h);
    }
    return Future.all(requests.unregister(), providers.removeOwn());
  }

  /**
   * Makes this node one of those that serve {@code event} to subscribers whose own node cannot run
   * it.
   */
  public Future<Void> provide(String event) {
    return providers.add(event);
  }

  /** The live node that runs the instance {@code key} of a CLUSTER source, or null. Any thread. */
  Future<String> owner(String key) {
    return claims.owner(key);
  }

  /** A live node that can run {@code event}, or null. Any thread. */
  Future<String> provider(String event) {
    return providers.pick(event);
  }

  private void handle(Message<JsonObject> request) {
    JsonObject body = request.body();
    switch (body.getString("op", "")) {
      case "join" -> join(request);
      case "leave" -> leave(body.getString("key"), body.getString("hold"));
      default -> request.fail(400, "unknown op");
    }
  }

  private void join(Message<JsonObject> request) {
    JsonObject body = request.body();
    String name = body.getString("event");
    String key = body.getString("key");
    String hold = body.getString("hold");
    if (!membership.isMember(hold.substring(0, hold.indexOf('/')))) {
      // Its node left before this arrived: holding for it would never be undone.
      request.reply(
          RemoteProtocol.error(ErrorDict.of(Errno.EHOSTDOWN, "the subscribing node left")));
      return;
    }
    Hosted h = hosted.get(key);
    if (h == null) {
      EventDescriptor event = events.get(name);
      if (event == null || !producers.hasFactory(name)) {
        request.reply(
            RemoteProtocol.error(
                ErrorDict.of(
                    Errno.ENOENT,
                    "Event source '"
                        + name
                        + "' is not available on node '"
                        + membership.nodeId()
                        + "'")));
        return;
      }
      h = host(key, event, body.getValue("argument"));
    }
    Hosted joined = h;
    joined.holds.add(hold);
    // The subscription's stream starts here: every message after this one reaches it after the
    // snapshot.
    long joinedAt = joined.forwarded;
    joined
        .ready
        .compose(
            forwarding -> {
              if (!joined.holds.contains(hold)) {
                return Future.failedFuture("left");
              }
              StreamPosition at = new StreamPosition(forwarding.position().epoch(), joinedAt);
              return OnContext.on(context, forwarding.snapshot())
                  .recover(
                      e ->
                          joined.ended ? Future.succeededFuture(List.of()) : Future.failedFuture(e))
                  .map(items -> RemoteProtocol.joined(at, items));
            })
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                request.reply(ar.result());
                return;
              }
              Throwable failure = ar.cause();
              request.reply(
                  failure instanceof ClusterClaims.OwnedElsewhere elsewhere
                      ? RemoteProtocol.redirect(elsewhere.owner)
                      : RemoteProtocol.error(CallError.toErrorDict(failure)));
              leave(key, hold);
            });
  }

  private Hosted host(String key, EventDescriptor event, Object argument) {
    Hosted h = new Hosted(key, event);
    hosted.put(key, h);
    Future<Void> claimed = Future.succeededFuture();
    if (event.placement() == EventDescriptor.Placement.CLUSTER) {
      claimed = claims.claim(key).onSuccess(v -> h.claimed = true);
    }
    h.ready = OnContext.on(context, claimed.compose(v -> manager.forward(event, argument, h)));
    h.ready.onFailure(
        e -> {
          // Not started (redirected, or the start failed): the joins waiting for it get the
          // failure.
          hosted.remove(key, h);
          unclaim(h);
        });
    return h;
  }

  private void leave(String key, String hold) {
    Hosted h = hosted.get(key);
    if (h != null && h.holds.remove(hold) && h.holds.isEmpty()) {
      drop(h);
    }
  }

  private void holderLeft(String node) {
    String prefix = node + "/";
    for (Hosted h : new ArrayList<>(hosted.values())) {
      if (h.holds.removeIf(hold -> hold.startsWith(prefix)) && h.holds.isEmpty()) {
        drop(h);
      }
    }
  }

  /** Stops the instance (once it has started) and gives its claim up. Idempotent. */
  private void drop(Hosted h) {
    if (hosted.remove(h.key, h)) {
      h.ready.onComplete(
          ar -> {
            if (ar.succeeded()) {
              ar.result().release();
            }
            unclaim(h);
          });
    }
  }

  private void unclaim(Hosted h) {
    if (h.claimed) {
      h.claimed = false;
      claims.release(h.key);
    }
  }

  /**
   * One instance run for holders: numbers its messages and publishes them. Confined to the host's
   * context.
   */
  private final class Hosted implements SourceForwarder {
    final String key;
    final EventDescriptor event;
    final String address;
    final Set<String> holds = new HashSet<>();
    Future<SourceManager.Forwarding> ready;
    boolean claimed;
    boolean ended;

    /** The offset of the last message forwarded (in the instance's run). */
    long forwarded;

    Hosted(String key, EventDescriptor event) {
      this.key = key;
      this.event = event;
      this.address = Addresses.sourceStream(membership.nodeId(), key);
    }

    @Override
    public void forward(EventMessage message, StreamPosition position) {
      forwarded = position.offset();
      vertx.eventBus().publish(address, RemoteProtocol.message(position, message));
    }

    @Override
    public void ended(ErrorDict error, StreamPosition position) {
      // The manager has already let go of the instance: nothing to release, only the claim.
      ended = true;
      vertx.eventBus().publish(address, RemoteProtocol.end(position, error));
      hosted.remove(key, this);
      unclaim(this);
    }
  }
}

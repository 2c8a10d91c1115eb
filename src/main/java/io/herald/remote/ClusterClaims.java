package io.herald.remote;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node runs each instance of a CLUSTER-placed source: the cluster-wide map {@value
 * Addresses#MAP_SOURCE_OWNERS}, instance key → node id. A node claims a key (putIfAbsent) before it
 * starts the instance and releases it (removeIfPresent) once the instance has stopped, so at most
 * one node runs it at a time.
 *
 * <p>Only the owner removes its entry — or any node the entry of a node no longer in the cluster,
 * which is how an owner's death frees its keys (lazily on the next claim, and by the sweep of
 * {@link #forget}). Race: a release still in flight must not remove a later claim of the same node,
 * so one node's claims and releases of a key run one after the other. {@link #claim} and {@link
 * #release} run on the host's context.
 */
final class ClusterClaims {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterClaims.class);

  private final Membership membership;
  private final Context context;
  private final String self;
  private final Map<String, Future<Void>> chains = new HashMap<>();
  private volatile AsyncMap<String, String> owners;

  ClusterClaims(Membership membership, Context context) {
    this.membership = membership;
    this.context = context;
    this.self = membership.nodeId();
  }

  Future<Void> start() {
    return membership
        .<String, String>map(Addresses.MAP_SOURCE_OWNERS)
        .map(
            map -> {
              owners = map;
              return null;
            });
  }

  /**
   * The node that owns {@code key} if it is a member of the cluster, else null. Callable from any
   * thread.
   */
  Future<String> owner(String key) {
    return owners.get(key).map(owner -> owner != null && membership.isMember(owner) ? owner : null);
  }

  /**
   * Completes when this node owns {@code key}; fails with {@link OwnedElsewhere} when a live node
   * does.
   */
  Future<Void> claim(String key) {
    return chained(key, () -> claimNow(key, 1));
  }

  /** Gives {@code key} up (after the instance stopped). */
  void release(String key) {
    chained(
        key,
        () ->
            OnContext.on(context, owners.removeIfPresent(key, self))
                .<Void>mapEmpty()
                .onFailure(e -> LOG.warn("releasing source instance {} failed", key, e)));
  }

  /** Removes every entry of {@code node}, which left the cluster. Run by one survivor. */
  void forget(String node) {
    owners
        .entries()
        .onSuccess(
            entries ->
                entries.forEach(
                    (key, owner) -> {
                      if (node.equals(owner)) {
                        owners.removeIfPresent(key, owner);
                      }
                    }));
  }

  private Future<Void> claimNow(String key, int attempt) {
    return OnContext.on(context, owners.putIfAbsent(key, self))
        .compose(
            owner -> {
              if (owner == null || owner.equals(self)) {
                return Future.succeededFuture();
              }
              if (membership.isMember(owner)) {
                return Future.failedFuture(new OwnedElsewhere(owner));
              }
              if (attempt == 3) {
                return Future.failedFuture(
                    new CallError(
                        Errno.EHOSTDOWN,
                        "The node that ran this event source, '" + owner + "', left the cluster"));
              }
              // A dead owner's entry: whoever removes it first, the next putIfAbsent decides.
              return OnContext.on(context, owners.removeIfPresent(key, owner))
                  .compose(v -> claimNow(key, attempt + 1));
            });
  }

  private Future<Void> chained(String key, Supplier<Future<Void>> operation) {
    Future<Void> previous = chains.getOrDefault(key, Future.succeededFuture());
    Future<Void> next = OnContext.on(context, previous.transform(ignored -> operation.get()));
    chains.put(key, next);
    next.onComplete(ignored -> chains.remove(key, next));
    return next;
  }

  /** The key is owned by another live node. */
  static final class OwnedElsewhere extends RuntimeException {
    final String owner;

    OwnedElsewhere(String owner) {
      super("owned by " + owner, null, false, false);
      this.owner = owner;
    }
  }
}

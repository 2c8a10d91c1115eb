package io.herald.remote;

import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which nodes can run each source: the cluster-wide map {@value Addresses#MAP_SOURCE_PROVIDERS},
 * one key {@code <event>@<node>} per registration of a source factory. Each node writes and removes
 * only its own keys; a dead node's keys are skipped by {@link #pick} (which reads membership, not
 * the map) and removed by {@link #forget}.
 *
 * <p>Why not a bus address served by every provider: right after a node dies, the bus may still
 * route a request to it, and the request would wait for its timeout; the membership view is
 * current.
 */
final class Providers {

  private final Membership membership;
  private final String self;
  private final List<String> own = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile AsyncMap<String, String> providers;

  Providers(Membership membership) {
    this.membership = membership;
    this.self = membership.nodeId();
  }

  Future<Void> start() {
    return membership
        .<String, String>map(Addresses.MAP_SOURCE_PROVIDERS)
        .map(
            map -> {
              providers = map;
              return null;
            });
  }

  /** Records that this node can run {@code event}. */
  Future<Void> add(String event) {
    own.add(event);
    return providers.put(event + "@" + self, self);
  }

  /**
   * A live node that can run {@code event}, chosen at random, or null. Callable from any thread.
   */
  Future<String> pick(String event) {
    String prefix = event + "@";
    return providers
        .keys()
        .map(
            keys -> {
              List<String> nodes = new ArrayList<>();
              for (String key : keys) {
                if (key.startsWith(prefix) && membership.isMember(key.substring(prefix.length()))) {
                  nodes.add(key.substring(prefix.length()));
                }
              }
              return nodes.isEmpty()
                  ? null
                  : nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
            });
  }

  /** Withdraws this node's keys: it stops. */
  Future<Void> removeOwn() {
    return Future.all(own.stream().map(event -> providers.remove(event + "@" + self)).toList())
        .mapEmpty();
  }

  /** Removes the keys of {@code node}, which left the cluster. Run by one survivor. */
  void forget(String node) {
    String suffix = "@" + node;
    providers
        .keys()
        .onSuccess(
            keys -> keys.stream().filter(k -> k.endsWith(suffix)).forEach(providers::remove));
  }
}

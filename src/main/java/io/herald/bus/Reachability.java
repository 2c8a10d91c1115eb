package io.herald.bus;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code ready} mean live across the cluster. A consumer's registration is stored
 * cluster-wide when its {@code completion()} succeeds, but a node that has published to the address
 * before keeps a cached list of the address's nodes, refreshed a little later: a publication from
 * it in between would miss the new consumer. This node's own list is such a cache too (Vert.x's
 * clustered bus delivers a publication locally only when the list names this node): while the
 * cluster hands a lost member's data over, its refresh has been seen to lag by a second and more.
 *
 * <p>So, after registering, a node asks every node, itself included, to publish a probe to the
 * address. A probe that arrives proves that the node's view includes this node: every later
 * publication from it arrives too (its view does not lose a live registration). A probe that does
 * not arrive within an attempt is asked for again; a node that does not answer at all (leaving, or
 * not a Herald node) is not waited for.
 *
 * <p>One instance per event loop (a bridge's hub and remote sources); {@link #confirm} and {@link
 * #onProbe} are called on that event loop.
 */
public final class Reachability {

  private static final Logger LOG = LoggerFactory.getLogger(Reachability.class);

  private final Vertx vertx;
  private final Supplier<List<String>> nodes;
  private final long attemptMs;
  private final int attempts;
  private final Map<String, Promise<Void>> pending = new HashMap<>();

  /**
   * @param nodes the ids of the nodes of the cluster, this one included
   * @param attemptMs how long to wait for a probe before asking again
   * @param attempts how many times to ask one node before going on without it
   */
  public Reachability(Vertx vertx, Supplier<List<String>> nodes, long attemptMs, int attempts) {
    this.vertx = vertx;
    this.nodes = nodes;
    this.attemptMs = attemptMs;
    this.attempts = attempts;
  }

  /**
   * Completes when every node's publications to {@code address}, this node's included, reach this
   * node's consumer of it.
   */
  public Future<Void> confirm(String address) {
    return confirm(address, nodes.get());
  }

  /**
   * Completes when the publications of each of {@code nodes} (this node, too, when listed) to
   * {@code address} reach this node's consumer of it (for a consumer that only those nodes publish
   * to).
   */
  public Future<Void> confirm(String address, List<String> nodes) {
    List<Future<Void>> confirmations = new ArrayList<>();
    for (String node : nodes) {
      confirmations.add(confirm(address, node, 1));
    }
    return Future.all(confirmations).mapEmpty();
  }

  /**
   * A message with the probe header reached the consumer; true when it was a probe (never deliver
   * it).
   */
  public boolean onProbe(String token) {
    if (token == null) {
      return false;
    }
    Promise<Void> promise = pending.remove(token);
    if (promise != null) {
      promise.tryComplete();
    }
    return true;
  }

  private Future<Void> confirm(String address, String node, int attempt) {
    String token = UUID.randomUUID().toString();
    Promise<Void> arrived = Promise.promise();
    pending.put(token, arrived);
    long timer =
        vertx.setTimer(
            attemptMs,
            t -> {
              if (pending.remove(token) != null) {
                arrived.tryFail("no probe");
              }
            });
    vertx
        .eventBus()
        .request(
            Addresses.probe(node),
            new JsonObject().put("address", address).put("token", token),
            new DeliveryOptions().setSendTimeout(attemptMs * attempts))
        .onFailure(
            e -> {
              // The node is gone or is not a Herald node: nothing to wait for.
              vertx.cancelTimer(timer);
              if (pending.remove(token) != null) {
                arrived.tryComplete();
              }
            });
    return arrived
        .future()
        .transform(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.succeeded()) {
                return Future.succeededFuture();
              }
              if (attempt < attempts) {
                return confirm(address, node, attempt + 1);
              }
              LOG.warn(
                  "node {} did not reach {} after {} probes: going on without it",
                  node,
                  address,
                  attempts);
              return Future.succeededFuture();
            });
  }

  /**
   * Serves probes on this node: publishes a probe (an empty string with {@link
   * Addresses#PROBE_HEADER}) to the requested address, then answers.
   */
  public static MessageConsumer<JsonObject> serve(Vertx vertx, String nodeId) {
    return vertx
        .eventBus()
        .consumer(
            Addresses.probe(nodeId),
            request -> {
              JsonObject body = request.body();
              vertx
                  .eventBus()
                  .publish(
                      body.getString("address"),
                      "",
                      new DeliveryOptions()
                          .addHeader(Addresses.PROBE_HEADER, body.getString("token")));
              request.reply(null);
            });
  }
}

package io.herald.ops;

import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.herald.event.Producers;
import io.herald.util.OnContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The node's health checks (vertx-health-check): {@link #liveness} for {@code GET /health}, {@link
 * #readiness} for {@code GET /ready}. A probe answers 200 when every check is up, else 503, with
 * the checks in a JSON body.
 */
public final class Health {

  /** How long the cluster check waits for the cluster's map. */
  static final long CLUSTER_TIMEOUT_MS = 2_000;

  private Health() {}

  /**
   * Alive: the event loop that serves the probe answers (a process whose loops are stuck does not
   * answer at all).
   */
  public static HealthChecks liveness(Vertx vertx) {
    return HealthChecks.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK()));
  }

  /** What readiness looks at, from the node. */
  public record Inputs(
      Membership membership,
      boolean clustered,
      Producers producers,
      List<String> builtinSources,
      BooleanSupplier started,
      BooleanSupplier serving,
      BooleanSupplier draining) {}

  /**
   * Ready: the node has started (joined the cluster, its features and verticles deployed), it is
   * recorded in the cluster's list of nodes (a round trip to the cluster), its HTTP server listens,
   * it is not draining (stopping), and the built-in event sources are registered.
   */
  public static HealthChecks readiness(Vertx vertx, Inputs in) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register(
        "started",
        promise -> promise.complete(status(in.started().getAsBoolean(), "node start finished")));
    checks.register(
        "http",
        promise -> promise.complete(status(in.serving().getAsBoolean(), "HTTP server listens")));
    checks.register(
        "draining",
        promise ->
            promise.complete(
                in.draining().getAsBoolean()
                    ? Status.KO(new JsonObject().put("reason", "the node is stopping"))
                    : Status.OK()));
    checks.register("cluster", CLUSTER_TIMEOUT_MS + 500, promise -> cluster(in, promise));
    checks.register(
        "sources",
        promise -> {
          JsonArray missing = new JsonArray();
          in.builtinSources().stream()
              .filter(name -> !in.producers().hasFactory(name))
              .forEach(missing::add);
          promise.complete(
              missing.isEmpty()
                  ? Status.OK()
                  : Status.KO(new JsonObject().put("missing", missing)));
        });
    return checks;
  }

  /**
   * Joined: standalone, or this node's record is in the cluster's map of nodes (it is written once
   * the node has joined and started; a node the others dropped is withdrawn from it).
   */
  private static void cluster(Inputs in, Promise<Status> promise) {
    if (!in.clustered()) {
      promise.complete(Status.OK(new JsonObject().put("clustered", false)));
      return;
    }
    if (!in.started().getAsBoolean()) {
      promise.complete(Status.KO(new JsonObject().put("reason", "not joined yet")));
      return;
    }
    Future<AsyncMap<String, Object>> map = in.membership().map(Addresses.MAP_NODES);
    // completed on the check's event loop: /ready is answered there (strict thread mode), and a
    // cluster map answers on a cluster thread
    OnContext.on(
            Vertx.currentContext(),
            map.compose(m -> m.get(in.membership().nodeId()))
                .timeout(CLUSTER_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result() != null) {
                promise.complete(
                    Status.OK(
                        new JsonObject().put("members", in.membership().others().size() + 1)));
              } else {
                promise.complete(
                    Status.KO(
                        new JsonObject()
                            .put(
                                "reason",
                                ar.failed()
                                    ? "the cluster does not answer: " + ar.cause().getMessage()
                                    : "this node is not in the cluster's list of nodes")));
              }
            });
  }

  private static Status status(boolean ok, String what) {
    return ok ? Status.OK() : Status.KO(new JsonObject().put("reason", "not yet: " + what));
  }
}

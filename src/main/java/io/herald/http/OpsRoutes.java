package io.herald.http;

import io.herald.ops.Operations;
import io.herald.util.OnContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator's routes: {@code GET /metrics} (Prometheus text format; {@code metrics.enabled},
 * {@code metrics.token}), {@code GET /health} (alive) and {@code GET /ready} (may take traffic),
 * each 200 or 503 with a JSON body. Served on the HTTP port beside the websockets.
 */
final class OpsRoutes {

  /** The content type of Prometheus' text exposition format. */
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private OpsRoutes() {}

  static void mount(Router router, Operations ops) {
    if (ops == null) {
      return;
    }
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(ops.liveness()));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(ops.readiness()));
    if (ops.metricsEnabled()) {
      router.get("/metrics").handler(ctx -> metrics(ctx, ops));
    }
  }

  private static void metrics(RoutingContext ctx, Operations ops) {
    if (!ops.metricsToken().isEmpty() && !authorized(ctx, ops.metricsToken())) {
      ctx.response()
          .setStatusCode(401)
          .putHeader("WWW-Authenticate", "Bearer realm=\"herald-metrics\"")
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("Unauthorized: /metrics needs \"Authorization: Bearer <metrics.token>\"\n");
      return;
    }
    // answered on the request's event loop (strict thread mode): the job counts may come back on
    // a cluster thread
    OnContext.on(Vertx.currentContext(), ops.scrape().get())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
              }
              ctx.response()
                  .putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TYPE)
                  .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                  .end(ar.result());
            });
  }

  /** The request carries {@code Authorization: Bearer <token>} (compared in constant time). */
  static boolean authorized(RoutingContext ctx, String token) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String prefix = "Bearer ";
    if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return false;
    }
    byte[] given = header.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
  }
}

package io.herald.ops;

import io.vertx.core.Future;
import io.vertx.ext.healthchecks.HealthChecks;
import java.util.function.Supplier;

/**
 * What the HTTP server needs for {@code GET /metrics}, {@code /health} and {@code /ready}.
 *
 * @param metricsEnabled {@code metrics.enabled}: false, /metrics answers 404
 * @param metricsToken {@code metrics.token}: "" for none, else the bearer token /metrics requires
 * @param scrape the Prometheus text of the node's metrics
 */
public record Operations(
    boolean metricsEnabled,
    String metricsToken,
    Supplier<Future<String>> scrape,
    HealthChecks liveness,
    HealthChecks readiness) {}

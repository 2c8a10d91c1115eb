package io.herald.support;

import io.herald.cluster.Membership;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.node.NodeVertx;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Starts real Herald nodes for tests. */
public final class TestNodes {

  private TestNodes() {}

  /** A standalone node on a free port, with no consumer linger so that counts drop at once. */
  public static Node standalone(Vertx vertx) {
    return standalone(vertx, new JsonObject());
  }

  /**
   * As {@link #standalone(Vertx)}, with {@code overrides} as dotted keys, e.g. {@code
   * {"ws.idle-timeout-ms": 500}}. The alert engine is off unless the overrides turn it on: alerts
   * raised by this host's real load would reach the {@code *} subscribers of unrelated tests.
   */
  public static Node standalone(Vertx vertx, JsonObject overrides) {
    JsonObject flat = defaults().put("cluster.enabled", false);
    overrides.forEach(e -> flat.put(e.getKey(), e.getValue()));
    return await(
        Node.start(new NodeVertx(vertx, Membership.standalone(vertx)), Settings.of(nested(flat))));
  }

  /** The password of user {@code admin} on a {@link #secured} node. */
  public static final String ADMIN_PASSWORD = "admin-secret-1";

  /**
   * A standalone node with security as shipped — connections that have not logged in hold no role —
   * in a data directory of its own (so no earlier accounts), its admin's password {@link
   * #ADMIN_PASSWORD}, failed logins answered after 50 ms.
   */
  public static Node secured(Vertx vertx, JsonObject overrides) {
    JsonObject flat =
        defaults()
            .put("cluster.enabled", false)
            .put("auth.anonymous-roles", "")
            .put("auth.failure-delay-ms", 50)
            .put("data.dir", freshDir().toString());
    overrides.forEach(e -> flat.put(e.getKey(), e.getValue()));
    return await(
        Node.start(
            new NodeVertx(vertx, Membership.standalone(vertx)),
            Settings.of(nested(flat)),
            name -> "HERALD_ADMIN_PASSWORD".equals(name) ? ADMIN_PASSWORD : null));
  }

  /** A new empty directory under target/. */
  public static java.nio.file.Path freshDir() {
    try {
      java.nio.file.Files.createDirectories(java.nio.file.Path.of("target"));
      return java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "node-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * What every node of the tests starts with, as dotted keys: a free port on loopback, no consumer
   * linger (counts drop at once), no alert engine (alerts raised by this host's real load would
   * reach unrelated subscribers), and — for the tests of everything but security, which do not log
   * in — connections that have not logged in hold {@code FULL_ADMIN}; the security tests override
   * it. Cheap password hashing; a generous message rate limit; a stopping node closes its
   * websockets at once (DrainIT and ShutdownIT test the drain spread over {@code
   * shutdown.drain-ms}).
   */
  static JsonObject defaults() {
    return new JsonObject()
        .put("auth.anonymous-roles", "FULL_ADMIN")
        // Tests send bursts of hundreds of calls to check other things; the rate limit's own tests
        // (LimitsIT, FuzzIT) set it back.
        .put("limits.messages-per-second", 100_000)
        .put("limits.message-burst", 100_000)
        .put("auth.pbkdf2-iterations", 4096)
        .put("http.port", 0)
        .put("http.host", "127.0.0.1")
        // in-process nodes start by the hundred: no warm-up (node processes have it, and
        // DeliveryWarmupTest)
        .put("http.warmup-ms", 0)
        .put("bus.consumer-linger-ms", 0)
        // Nodes of the tests stop with clients still connected, many times a run.
        .put("shutdown.drain-ms", 0)
        .put("alerts.enabled", false);
  }

  /** The future's result, failing the test after 30 s. */
  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("timed out", e);
    }
  }

  /** Runs {@code action} on {@code context} and returns its value, failing the test after 30 s. */
  public static <T> T on(Context context, Supplier<T> action) {
    return await(OnContext.call(context, action));
  }

  /** Runs {@code action} on {@code context} and waits for it, failing the test after 30 s. */
  public static void run(Context context, Runnable action) {
    on(
        context,
        () -> {
          action.run();
          return null;
        });
  }

  /** {@code {"a.b": 1}} → {@code {"a": {"b": 1}}}. */
  public static JsonObject nested(JsonObject dotted) {
    JsonObject root = new JsonObject();
    dotted.forEach(e -> put(root, e.getKey(), e.getValue()));
    return root;
  }

  private static void put(JsonObject root, String dotted, Object value) {
    String[] parts = dotted.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!node.containsKey(parts[i])) {
        node.put(parts[i], new JsonObject());
      }
      node = node.getJsonObject(parts[i]);
    }
    node.put(parts[parts.length - 1], value);
  }

  /** Polls {@code condition} until it holds, failing after {@code ms}. */
  public static void eventually(long ms, String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + ms;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}

package io.herald.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's settings. Every key, its default and its meaning are listed in {@code conf/herald.yaml}; a test keeps
 * that file and {@link #DEFAULTS} identical. Precedence (later wins): defaults, the config file, environment
 * variables ({@code HERALD_} + the key upper-cased with {@code .} and {@code -} as {@code _}, e.g.
 * {@code HERALD_HTTP_PORT}), system properties ({@code -Dherald.http.port=...}).
 */
public final class Settings {

  public static final JsonObject DEFAULTS = new JsonObject()
      .put("http", new JsonObject()
          .put("host", "0.0.0.0")
          .put("port", 8080)
          .put("instances", 1))
      .put("ws", new JsonObject()
          .put("path", "/websocket")
          .put("max-message-bytes", 65536)
          .put("compression", false)
          .put("ping-interval-ms", 20000)
          .put("idle-timeout-ms", 60000)
          .put("max-pending-bytes", 1048576))
      .put("limits", new JsonObject()
          .put("max-subscriptions", 1000)
          .put("max-concurrent-calls", 20))
      .put("bus", new JsonObject()
          .put("consumer-linger-ms", 2000)
          .put("method-timeout-ms", 30000)
          .put("probe-attempt-ms", 100)
          .put("probe-attempts", 30))
      .put("cluster", new JsonObject()
          .put("enabled", true)
          .put("name", "herald")
          .put("host", "127.0.0.1")
          .put("config", "cluster.xml")
          .put("members", "")
          .put("port", 5701)
          .put("bus-port", 0))
      .put("data", new JsonObject()
          .put("dir", "data"))
      .put("verticles", "")
      .put("jobs", new JsonObject()
          .put("max-running", 4)
          .put("history-size", 1000)
          .put("progress-interval-ms", 250))
      .put("files", new JsonObject()
          .put("roots", ""))
      .put("alerts", new JsonObject()
          .put("enabled", true)
          .put("interval-ms", 5000)
          .put("one-shot-ttl-ms", 86400000)
          .put("memory", new JsonObject()
              .put("warning", 90)
              .put("critical", 95)
              .put("clear", 85))
          .put("disk", new JsonObject()
              .put("warning", 90)
              .put("critical", 95)
              .put("clear", 85))
          .put("load", new JsonObject()
              .put("warning", 200)
              .put("critical", 400)
              .put("clear", 150)))
      .put("shutdown", new JsonObject()
          .put("grace-ms", 5000));

  private final JsonObject json;

  private Settings(JsonObject json) {
    this.json = json;
  }

  /** Defaults overlaid with {@code overrides} (nested like {@link #DEFAULTS}); unknown keys are rejected. */
  public static Settings of(JsonObject overrides) {
    JsonObject merged = DEFAULTS.copy();
    Map<String, Object> flat = flatten(overrides);
    Map<String, Object> known = flatten(DEFAULTS);
    for (Map.Entry<String, Object> e : flat.entrySet()) {
      if (!known.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'");
      }
      put(merged, e.getKey(), coerce(e.getKey(), e.getValue(), known.get(e.getKey())));
    }
    return new Settings(merged);
  }

  /** Applies environment variables and system properties named after the known keys. */
  public static JsonObject overridesFrom(Map<String, String> env, Map<Object, Object> props) {
    JsonObject overrides = new JsonObject();
    for (String key : flatten(DEFAULTS).keySet()) {
      String envName = "HERALD_" + key.toUpperCase().replace('.', '_').replace('-', '_');
      String value = env.get(envName);
      Object prop = props.get("herald." + key);
      if (prop != null) {
        value = prop.toString();
      }
      if (value != null) {
        put(overrides, key, value);
      }
    }
    return overrides;
  }

  public static Map<String, Object> flatten(JsonObject json) {
    Map<String, Object> flat = new TreeMap<>();
    flatten("", json, flat);
    return flat;
  }

  private static void flatten(String prefix, JsonObject json, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : json) {
      String key = prefix + e.getKey();
      if (e.getValue() instanceof JsonObject nested) {
        flatten(key + ".", nested, out);
      } else {
        out.put(key, e.getValue());
      }
    }
  }

  static void put(JsonObject root, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }

  private static Object coerce(String key, Object value, Object example) {
    try {
      if (example instanceof Integer) {
        return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
      }
      if (example instanceof Boolean) {
        if (value instanceof Boolean b) {
          return b;
        }
        String s = value.toString().trim().toLowerCase();
        if (!s.equals("true") && !s.equals("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(s);
      }
      return value.toString();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("setting '" + key + "': invalid value '" + value + "'", e);
    }
  }

  private Object get(String dottedKey) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    return node.getValue(parts[parts.length - 1]);
  }

  private int integer(String key) {
    return (Integer) get(key);
  }

  public JsonObject toJson() {
    return json.copy();
  }

  public String httpHost() { return (String) get("http.host"); }
  public int httpPort() { return integer("http.port"); }
  public int httpInstances() { return integer("http.instances"); }
  public String wsPath() { return (String) get("ws.path"); }
  public int maxMessageBytes() { return integer("ws.max-message-bytes"); }
  public boolean compression() { return (Boolean) get("ws.compression"); }
  public long pingIntervalMs() { return integer("ws.ping-interval-ms"); }
  public long idleTimeoutMs() { return integer("ws.idle-timeout-ms"); }
  public long maxPendingBytes() { return integer("ws.max-pending-bytes"); }
  public int maxSubscriptions() { return integer("limits.max-subscriptions"); }
  public int maxConcurrentCalls() { return integer("limits.max-concurrent-calls"); }
  public long consumerLingerMs() { return integer("bus.consumer-linger-ms"); }
  public long methodTimeoutMs() { return integer("bus.method-timeout-ms"); }
  public long probeAttemptMs() { return integer("bus.probe-attempt-ms"); }
  public int probeAttempts() { return integer("bus.probe-attempts"); }
  public boolean clustered() { return (Boolean) get("cluster.enabled"); }
  public String clusterName() { return (String) get("cluster.name"); }
  public String clusterHost() { return (String) get("cluster.host"); }
  public String clusterConfig() { return (String) get("cluster.config"); }
  public String clusterMembers() { return (String) get("cluster.members"); }
  public int clusterPort() { return integer("cluster.port"); }
  public int clusterBusPort() { return integer("cluster.bus-port"); }
  public String dataDir() { return (String) get("data.dir"); }

  /** Class names of the verticles to deploy on the node once it runs ({@code verticles}, comma-separated). */
  public java.util.List<String> verticles() {
    return java.util.Arrays.stream(((String) get("verticles")).split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
  }
  public int jobsMaxRunning() { return integer("jobs.max-running"); }
  public int jobsHistorySize() { return integer("jobs.history-size"); }
  public long jobsProgressIntervalMs() { return integer("jobs.progress-interval-ms"); }

  /** Directories whose files clients may read (checksum, tail): {@code files.roots}, else the log dir and /var/log. */
  public java.util.List<java.nio.file.Path> filesRoots() {
    String roots = (String) get("files.roots");
    if (roots == null || roots.isBlank()) {
      return java.util.List.of(java.nio.file.Path.of(dataDir(), "logs"), java.nio.file.Path.of("/var/log"));
    }
    return java.util.Arrays.stream(roots.split(":")).filter(s -> !s.isBlank()).map(java.nio.file.Path::of).toList();
  }

  public long shutdownGraceMs() { return integer("shutdown.grace-ms"); }
  public boolean alertsEnabled() { return (Boolean) get("alerts.enabled"); }
  public long alertsIntervalMs() { return integer("alerts.interval-ms"); }
  public long alertsOneShotTtlMs() { return integer("alerts.one-shot-ttl-ms"); }

  /**
   * {@code alerts.<rule>.<level>}: rule {@code memory}, {@code disk} (percent) or {@code load} (hundredths per
   * core); level {@code warning}, {@code critical} or {@code clear}.
   */
  public int alertsThreshold(String rule, String level) { return integer("alerts." + rule + "." + level); }
}

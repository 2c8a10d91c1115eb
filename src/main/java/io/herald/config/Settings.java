package io.herald.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The node's settings, valid by construction. Every key, its default and its meaning are in {@code
 * conf/herald.yaml}, which the jar carries as the resource {@value #DEFAULTS_RESOURCE}: it is the
 * one source of the defaults. Every key's type and range are in the JSON Schema {@code
 * herald-settings.schema.json}, also a resource; a setting outside it, or an unknown key, is a
 * {@link SettingsException}. {@link ConfigLoader} layers the defaults, the config file, the
 * environment and system properties.
 */
public final class Settings {

  /** The packaged defaults: {@code conf/herald.yaml}, copied into the jar by the build. */
  static final String DEFAULTS_RESOURCE = "conf/herald.yaml";

  private static final JsonObject DEFAULTS = Resources.yaml(DEFAULTS_RESOURCE);

  private final JsonObject json;
  private final List<DeclaredEvent> events;

  private Settings(JsonObject json, List<DeclaredEvent> events) {
    this.json = json;
    this.events = events;
  }

  /** A copy of the packaged defaults, nested as in {@code conf/herald.yaml}. */
  public static JsonObject defaults() {
    return DEFAULTS.copy();
  }

  /**
   * The packaged defaults overlaid with {@code overrides} (nested like {@code conf/herald.yaml},
   * typed as JSON: no text is coerced here), validated.
   *
   * @throws SettingsException on an unknown key or a value of the wrong type or out of range
   */
  public static Settings of(JsonObject overrides) {
    return validated(defaults().mergeIn(overrides.copy(), true), key -> null);
  }

  /**
   * {@code merged} (every layer already applied) checked against the schema.
   *
   * @param origin where a key's value came from, for the error message, or null when unsaid
   */
  static Settings validated(JsonObject merged, Function<String, String> origin) {
    List<String> problems = SettingsSchema.PACKAGED.problems(merged, origin);
    if (!problems.isEmpty()) {
      throw SettingsException.of(problems);
    }
    DeclaredEvents.Parsed events =
        DeclaredEvents.parse(merged.getJsonArray("events"), from(origin, "events", null));
    Settings settings = new Settings(merged, events.events());
    problems = new ArrayList<>(settings.combinationProblems(origin));
    problems.addAll(events.problems());
    if (!problems.isEmpty()) {
      throw SettingsException.of(problems);
    }
    return settings;
  }

  /**
   * What the schema cannot say: settings that only work together. The PEM files of a TLS layer are
   * given all or none; a redirect to https needs https, on a port of its own.
   */
  private List<String> combinationProblems(Function<String, String> origin) {
    List<String> problems = new ArrayList<>();
    together(problems, origin, "both", "http.tls.cert", "http.tls.key");
    together(
        problems,
        origin,
        "all three",
        "cluster.bus-tls.cert",
        "cluster.bus-tls.key",
        "cluster.bus-tls.trust");
    int redirect = httpTlsRedirectPort();
    if (redirect != 0 && !httpTls()) {
      problems.add(
          "setting 'http.tls.redirect-port'"
              + from(origin, "http.tls.redirect-port")
              + ": "
              + redirect
              + " needs 'http.tls.cert' and 'http.tls.key' (it redirects to https)");
    } else if (redirect != 0 && redirect == httpPort()) {
      problems.add(
          "setting 'http.tls.redirect-port'"
              + from(origin, "http.tls.redirect-port")
              + ": "
              + redirect
              + " is the https port 'http.port' itself");
    }
    return problems;
  }

  /** Adds a problem for each of {@code keys} that is set while another of them is "". */
  private void together(
      List<String> problems, Function<String, String> origin, String all, String... keys) {
    List<String> missing =
        java.util.Arrays.stream(keys).filter(k -> ((String) get(k)).isBlank()).toList();
    if (missing.isEmpty() || missing.size() == keys.length) {
      return;
    }
    for (String key : keys) {
      if (!missing.contains(key)) {
        problems.add(
            "setting '"
                + key
                + "'"
                + from(origin, key)
                + " is set without '"
                + String.join("', '", missing)
                + "': give "
                + all
                + ", or none");
      }
    }
  }

  private static String from(Function<String, String> origin, String key) {
    String source = from(origin, key, null);
    return source == null ? "" : " (" + source + ")";
  }

  private static String from(Function<String, String> origin, String key, String unsaid) {
    String source = origin == null ? null : origin.apply(key);
    return source == null ? unsaid : source;
  }

  /** {@code {"a": {"b": 1}}} → {@code {"a.b": 1}}, sorted by key. */
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

  /**
   * Sets {@code root}'s {@code a.b.c} to {@code value}, creating (or replacing non-map values by)
   * sections.
   */
  static void put(JsonObject root, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject)) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = (JsonObject) child;
    }
    node.put(parts[parts.length - 1], value);
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
    return ((Number) get(key)).intValue();
  }

  public JsonObject toJson() {
    return json.copy();
  }

  public String httpHost() {
    return (String) get("http.host");
  }

  public int httpPort() {
    return integer("http.port");
  }

  public int httpInstances() {
    return integer("http.instances");
  }

  /**
   * {@code http.allowed-origins}: web pages allowed to open a websocket besides the node's own
   * origin.
   */
  public String httpAllowedOrigins() {
    return (String) get("http.allowed-origins");
  }

  /**
   * {@code http.allowed-hosts}: the Host names requests may carry; "" = the loopback names when
   * bound to loopback, else any.
   */
  public String httpAllowedHosts() {
    return (String) get("http.allowed-hosts");
  }

  /** Whether the HTTP server serves https and wss ({@code http.tls.cert} and {@code .key} set). */
  public boolean httpTls() {
    return !httpTlsCert().isBlank();
  }

  /** {@code http.tls.cert}: the server's PEM certificate chain, or "" for plain HTTP. */
  public String httpTlsCert() {
    return (String) get("http.tls.cert");
  }

  /** {@code http.tls.key}: the PEM private key of {@link #httpTlsCert()}, or "". */
  public String httpTlsKey() {
    return (String) get("http.tls.key");
  }

  /** {@code http.tls.reload-interval-ms}: how often the certificate files are checked. */
  public long httpTlsReloadIntervalMs() {
    return integer("http.tls.reload-interval-ms");
  }

  /** {@code http.tls.redirect-port}: a plain listener redirecting to https, 0 = none. */
  public int httpTlsRedirectPort() {
    return integer("http.tls.redirect-port");
  }

  /** {@code http.max-publish-bytes}: the largest body of {@code POST /api/publish}. */
  public int maxPublishBytes() {
    return integer("http.max-publish-bytes");
  }

  /**
   * {@code events}: the broadcast events declared in configuration, in their order; the node
   * registers them at start, and {@code POST /api/publish} lets their {@code publish_roles} publish
   * them.
   */
  public List<DeclaredEvent> events() {
    return events;
  }

  /**
   * {@code http.handshake-timeout-ms}: how long a TCP connection has, from accept, to get its HTTP
   * request answered (its websocket upgrade done).
   */
  public long handshakeTimeoutMs() {
    return integer("http.handshake-timeout-ms");
  }

  public String wsPath() {
    return (String) get("ws.path");
  }

  public int maxMessageBytes() {
    return integer("ws.max-message-bytes");
  }

  /**
   * {@code http.warmup-ms}: the longest the delivery path's warm-up may delay readiness (0: none).
   */
  public long warmupMs() {
    return integer("http.warmup-ms");
  }

  /** {@code http.native-transport}: Netty's native transport where it loads, else NIO. */
  public boolean nativeTransport() {
    return (Boolean) get("http.native-transport");
  }

  public boolean compression() {
    return (Boolean) get("ws.compression");
  }

  public long pingIntervalMs() {
    return integer("ws.ping-interval-ms");
  }

  public long idleTimeoutMs() {
    return integer("ws.idle-timeout-ms");
  }

  public long maxPendingBytes() {
    return integer("ws.max-pending-bytes");
  }

  public int maxSubscriptions() {
    return integer("limits.max-subscriptions");
  }

  public int maxConcurrentCalls() {
    return integer("limits.max-concurrent-calls");
  }

  /** {@code auth.anonymous-roles}: the roles of a connection before login (comma-separated). */
  public java.util.Set<String> anonymousRoles() {
    return java.util.Arrays.stream(((String) get("auth.anonymous-roles")).split(","))
        .map(String::trim)
        .filter(r -> !r.isEmpty())
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** {@code auth.custom-roles}: {@code NAME=ROLE+ROLE,...}. */
  public String customRoles() {
    return (String) get("auth.custom-roles");
  }

  public int pbkdf2Iterations() {
    return integer("auth.pbkdf2-iterations");
  }

  public long loginFailureDelayMs() {
    return ((Number) get("auth.failure-delay-ms")).longValue();
  }

  public int loginMaxFailures() {
    return integer("auth.max-failures");
  }

  public long loginFailureWindowMs() {
    return ((Number) get("auth.failure-window-ms")).longValue();
  }

  /** {@code auth.login-timeout-ms}; 0 = no deadline. */
  public long loginTimeoutMs() {
    return ((Number) get("auth.login-timeout-ms")).longValue();
  }

  public int maxMessageBytesBeforeLogin() {
    return integer("auth.max-message-bytes-before-login");
  }

  public long accountsRefreshMs() {
    return ((Number) get("auth.refresh-ms")).longValue();
  }

  /** {@code limits.max-connections-per-address}: open websockets per client address on the node. */
  public int maxConnectionsPerAddress() {
    return integer("limits.max-connections-per-address");
  }

  /** {@code limits.messages-per-second}: the rate a connection's message budget refills at. */
  public int messagesPerSecond() {
    return integer("limits.messages-per-second");
  }

  /** {@code limits.message-burst}: the messages a connection may send at once (its budget). */
  public int messageBurst() {
    return integer("limits.message-burst");
  }

  /**
   * {@code limits.rate-limit-close-after-ms}: a connection refused messages this long, without a
   * second's pause, is closed with 4008.
   */
  public long rateLimitCloseAfterMs() {
    return integer("limits.rate-limit-close-after-ms");
  }

  /**
   * {@code limits.max-json-depth}: how deeply a client message (and a {@code sub} argument) may
   * nest.
   */
  public int maxJsonDepth() {
    return integer("limits.max-json-depth");
  }

  /** {@code limits.max-sources-per-connection}: distinct source instances one connection holds. */
  public int maxSourcesPerConnection() {
    return integer("limits.max-sources-per-connection");
  }

  /** {@code limits.max-sources-per-node}: event source instances running on the node. */
  public int maxSourcesPerNode() {
    return integer("limits.max-sources-per-node");
  }

  public long consumerLingerMs() {
    return integer("bus.consumer-linger-ms");
  }

  public long methodTimeoutMs() {
    return integer("bus.method-timeout-ms");
  }

  public long probeAttemptMs() {
    return integer("bus.probe-attempt-ms");
  }

  public int probeAttempts() {
    return integer("bus.probe-attempts");
  }

  public boolean clustered() {
    return (Boolean) get("cluster.enabled");
  }

  public String clusterName() {
    return (String) get("cluster.name");
  }

  public String clusterHost() {
    return (String) get("cluster.host");
  }

  public String clusterConfig() {
    return (String) get("cluster.config");
  }

  public String clusterMembers() {
    return (String) get("cluster.members");
  }

  public int clusterPort() {
    return integer("cluster.port");
  }

  public int clusterBusPort() {
    return integer("cluster.bus-port");
  }

  /** Whether the event bus between nodes runs mutual TLS ({@code cluster.bus-tls.*} set). */
  public boolean busTls() {
    return !busTlsCert().isBlank();
  }

  /** {@code cluster.bus-tls.cert}: the PEM certificate this node shows the others, or "". */
  public String busTlsCert() {
    return (String) get("cluster.bus-tls.cert");
  }

  /** {@code cluster.bus-tls.key}: the PEM private key of {@link #busTlsCert()}, or "". */
  public String busTlsKey() {
    return (String) get("cluster.bus-tls.key");
  }

  /** {@code cluster.bus-tls.trust}: the PEM certificates accepted from other nodes, or "". */
  public String busTlsTrust() {
    return (String) get("cluster.bus-tls.trust");
  }

  public String dataDir() {
    return (String) get("data.dir");
  }

  /**
   * Class names of the verticles to deploy on the node once it runs ({@code verticles},
   * comma-separated).
   */
  public java.util.List<String> verticles() {
    return java.util.Arrays.stream(((String) get("verticles")).split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  public int jobsMaxRunning() {
    return integer("jobs.max-running");
  }

  public int jobsMaxWaiting() {
    return integer("jobs.max-waiting");
  }

  public int jobsHistorySize() {
    return integer("jobs.history-size");
  }

  public long jobsProgressIntervalMs() {
    return integer("jobs.progress-interval-ms");
  }

  /**
   * Directories whose files clients may read (checksum, tail): {@code files.roots}, else only
   * {@code <data.dir>/logs} (not /var/log: the host's logs are the operator's to open, by name).
   */
  public java.util.List<java.nio.file.Path> filesRoots() {
    String roots = (String) get("files.roots");
    if (roots == null || roots.isBlank()) {
      return java.util.List.of(java.nio.file.Path.of(dataDir(), "logs"));
    }
    return java.util.Arrays.stream(roots.split(":"))
        .filter(s -> !s.isBlank())
        .map(java.nio.file.Path::of)
        .toList();
  }

  /**
   * {@code metrics.enabled}: whether {@code GET /metrics} is served and Vert.x collects metrics.
   */
  public boolean metricsEnabled() {
    return (Boolean) get("metrics.enabled");
  }

  /** {@code metrics.vertx}: Vert.x's own metrics on the registry too (with metrics.enabled). */
  public boolean metricsVertx() {
    return metricsEnabled() && (Boolean) get("metrics.vertx");
  }

  /**
   * {@code metrics.token}: the bearer token {@code GET /metrics} requires, or "" for none (open to
   * whoever reaches the HTTP port).
   */
  public String metricsToken() {
    return (String) get("metrics.token");
  }

  /**
   * {@code log.format}: {@code pattern} (human-readable lines) or {@code json} (one object a line).
   */
  public String logFormat() {
    return (String) get("log.format");
  }

  public long shutdownGraceMs() {
    return integer("shutdown.grace-ms");
  }

  /**
   * {@code shutdown.drain-ms}, cut to {@code shutdown.grace-ms}: the period over which a stopping
   * node closes its websockets, in batches spread evenly over it (0: all at once).
   */
  public long shutdownDrainMs() {
    return Math.min(integer("shutdown.drain-ms"), shutdownGraceMs());
  }

  public boolean alertsEnabled() {
    return (Boolean) get("alerts.enabled");
  }

  public long alertsIntervalMs() {
    return integer("alerts.interval-ms");
  }

  public long alertsOneShotTtlMs() {
    return integer("alerts.one-shot-ttl-ms");
  }

  /**
   * {@code alerts.<rule>.<level>}: rule {@code memory}, {@code disk} (percent) or {@code load}
   * (hundredths per core); level {@code warning}, {@code critical} or {@code clear}.
   */
  public int alertsThreshold(String rule, String level) {
    return integer("alerts." + rule + "." + level);
  }
}

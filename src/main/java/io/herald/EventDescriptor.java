package io.herald;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the registry knows of an event. A {@link Kind#BROADCAST} event is published on the event bus
 * by any verticle and reaches every subscriber of its name; a {@link Kind#SOURCE} event is produced
 * by a shared {@link EventSource} per argument and reaches only the subscribers of that {@code
 * name:arg}. Where a source's instances run in a cluster is its {@link Placement}.
 *
 * @param accepts JSON Schema of the argument, or null when the event takes none
 * @param returns JSON Schema of {@code fields}, or null when undocumented
 * @param wildcard whether a {@code *} subscription receives it (never for sources)
 * @param latestValueOnly a slow client may skip intermediate values of this event: only the latest
 *     pending one per subscription is kept (see the slow-consumer policy in docs/PROTOCOL.md)
 * @param placement where a source's instances run (always {@link Placement#HOST} for broadcast
 *     events)
 * @param roles who may subscribe: any one of these roles ({@link Roles}); empty = {@link
 *     Roles#FULL_ADMIN} only; {@link Roles#AUTHENTICATED} = any logged-in user. Checked on the name
 *     without the argument.
 * @param noAuthRequired anyone may subscribe, before login too
 * @param ownerScoped its messages may name an owner ({@link EventMessage#owner}): a logged-in user
 *     without the roles may subscribe too and receives only the messages they own (their jobs)
 * @param historySize how many of its latest publications the cluster keeps, per publishing node,
 *     for clients that reconnect (see "History and recovery" in docs/PROTOCOL.md); 0 = no history.
 *     Broadcast events only, and never a latest-value-only one
 * @param historyTtlMs how long (ms) a publication stays in that history at most; set (at least 1)
 *     exactly when {@code historySize} is, 0 otherwise
 */
public record EventDescriptor(
    String name,
    Kind kind,
    String description,
    JsonObject accepts,
    JsonObject returns,
    boolean wildcard,
    List<String> roles,
    boolean noAuthRequired,
    boolean hidden,
    boolean latestValueOnly,
    Placement placement,
    boolean ownerScoped,
    int historySize,
    long historyTtlMs) {

  /** The largest {@link #historySize}: a bound on the memory one event's history may take. */
  public static final int MAX_HISTORY_SIZE = 100_000;

  /** The longest {@link #historyTtlMs}: a week. */
  public static final long MAX_HISTORY_TTL_MS = 7L * 24 * 3600 * 1000;

  public enum Kind {
    BROADCAST,
    SOURCE
  }

  /**
   * Where the instances of a source run in a cluster.
   *
   * <ul>
   *   <li>{@code HOST} (the default): the source reports on a host. An instance runs on the node
   *       the client is connected to — or, when the argument is an object with a string {@code
   *       "node"}, on the node it names (the key is taken out of the argument before the source
   *       sees it). A node without the source's factory has its subscriptions served by a node that
   *       has it.
   *   <li>{@code CLUSTER}: the source is not tied to a host. One instance per argument runs in the
   *       whole cluster, on a node that has the factory; every subscriber, on any node, shares it.
   * </ul>
   */
  public enum Placement {
    HOST,
    CLUSTER
  }

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
  public static final int MAX_NAME_LENGTH = 128;

  public EventDescriptor {
    if (name == null || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid event name '"
              + name
              + "': dotted identifiers ([A-Za-z_][A-Za-z0-9_]*), at most "
              + MAX_NAME_LENGTH
              + " characters");
    }
    if (kind == null) {
      throw new IllegalArgumentException("event kind is required");
    }
    if (kind == Kind.SOURCE && wildcard) {
      throw new IllegalArgumentException("source event '" + name + "' cannot be wildcard-eligible");
    }
    placement = placement == null ? Placement.HOST : placement;
    if (kind == Kind.BROADCAST && placement != Placement.HOST) {
      throw new IllegalArgumentException(
          "broadcast event '" + name + "' cannot be placed: only sources are");
    }
    if (kind == Kind.BROADCAST && accepts != null) {
      throw new IllegalArgumentException("broadcast event '" + name + "' cannot take an argument");
    }
    if (historySize < 0
        || historySize > MAX_HISTORY_SIZE
        || historyTtlMs < 0
        || historyTtlMs > MAX_HISTORY_TTL_MS) {
      throw new IllegalArgumentException(
          "history of event '"
              + name
              + "': size from 0 to "
              + MAX_HISTORY_SIZE
              + " and an age of at most a week, not "
              + historySize
              + " / "
              + historyTtlMs
              + " ms");
    }
    if ((historySize == 0) != (historyTtlMs == 0)) {
      throw new IllegalArgumentException(
          "history of event '" + name + "': a size and an age, both or neither");
    }
    if (historySize > 0 && kind == Kind.SOURCE) {
      throw new IllegalArgumentException(
          "source event '" + name + "' cannot keep a history: only broadcast events do");
    }
    if (historySize > 0 && latestValueOnly) {
      throw new IllegalArgumentException(
          "latest-value-only event '" + name + "' cannot keep a history");
    }
    description = description == null ? "" : description;
    roles = roles == null ? List.of() : List.copyOf(roles);
    accepts = TypedValues.normaliseSchema(accepts, "argument schema of event '" + name + "'");
    returns = TypedValues.normaliseSchema(returns, "payload schema of event '" + name + "'");
  }

  public static Builder broadcast(String name) {
    return new Builder(name, Kind.BROADCAST).wildcard(true);
  }

  public static Builder source(String name) {
    return new Builder(name, Kind.SOURCE);
  }

  /** The catalogue entry of {@code core.get_events}: the original's keys, and who may subscribe. */
  public JsonObject catalogueEntry() {
    return new JsonObject()
        .put("description", description)
        .put("wildcard_subscription", wildcard)
        .put("accepts", accepts)
        .put("returns", returns)
        .put("roles", new JsonArray(roles))
        .put("no_auth_required", noAuthRequired);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("kind", kind.name())
        .put("description", description)
        .put("accepts", accepts)
        .put("returns", returns)
        .put("wildcard", wildcard)
        .put("roles", new JsonArray(roles))
        .put("no_auth_required", noAuthRequired)
        .put("private", hidden)
        .put("latest_value_only", latestValueOnly)
        .put("placement", placement.name())
        .put("owner_scoped", ownerScoped)
        .put("history_size", historySize)
        .put("history_ttl_ms", historyTtlMs);
  }

  /** Whether the cluster keeps a history of this event's publications. */
  public boolean keepsHistory() {
    return historySize > 0;
  }

  @SuppressWarnings("unchecked")
  public static EventDescriptor fromJson(JsonObject json) {
    return new EventDescriptor(
        json.getString("name"),
        Kind.valueOf(json.getString("kind")),
        json.getString("description"),
        json.getJsonObject("accepts"),
        json.getJsonObject("returns"),
        json.getBoolean("wildcard", false),
        json.getJsonArray("roles", new JsonArray()).getList(),
        json.getBoolean("no_auth_required", false),
        json.getBoolean("private", false),
        json.getBoolean("latest_value_only", false),
        Placement.valueOf(json.getString("placement", "HOST")),
        json.getBoolean("owner_scoped", false),
        json.getInteger("history_size", 0),
        json.getLong("history_ttl_ms", 0L));
  }

  public static final class Builder {
    private final String name;
    private final Kind kind;
    private String description;
    private JsonObject accepts;
    private JsonObject returns;
    private boolean wildcard;
    private List<String> roles = List.of();
    private boolean noAuthRequired;
    private boolean hidden;
    private boolean latestValueOnly;
    private Placement placement = Placement.HOST;
    private boolean ownerScoped;
    private int historySize;
    private long historyTtlMs;

    private Builder(String name, Kind kind) {
      this.name = name;
      this.kind = kind;
    }

    public Builder description(String markdown) {
      this.description = markdown;
      return this;
    }

    public Builder accepts(JsonObject schema) {
      this.accepts = schema;
      return this;
    }

    public Builder returns(JsonObject schema) {
      this.returns = schema;
      return this;
    }

    public Builder wildcard(boolean wildcard) {
      this.wildcard = wildcard;
      return this;
    }

    public Builder roles(List<String> roles) {
      this.roles = roles;
      return this;
    }

    public Builder noAuthRequired(boolean noAuthRequired) {
      this.noAuthRequired = noAuthRequired;
      return this;
    }

    public Builder hidden(boolean hidden) {
      this.hidden = hidden;
      return this;
    }

    public Builder latestValueOnly(boolean latestValueOnly) {
      this.latestValueOnly = latestValueOnly;
      return this;
    }

    public Builder placement(Placement placement) {
      this.placement = placement;
      return this;
    }

    public Builder roles(String... roles) {
      return roles(List.of(roles));
    }

    public Builder ownerScoped(boolean ownerScoped) {
      this.ownerScoped = ownerScoped;
      return this;
    }

    /**
     * Keeps the last {@code size} publications of each publishing node, each for at most {@code
     * ttlMs}, so that a client reconnecting within that window can recover what it missed (a
     * broadcast event that is not latest-value-only). {@code (0, 0)}, the default: no history.
     */
    public Builder history(int size, long ttlMs) {
      this.historySize = size;
      this.historyTtlMs = ttlMs;
      return this;
    }

    public EventDescriptor build() {
      return new EventDescriptor(
          name,
          kind,
          description,
          accepts,
          returns,
          wildcard,
          roles,
          noAuthRequired,
          hidden,
          latestValueOnly,
          placement,
          ownerScoped,
          historySize,
          historyTtlMs);
    }
  }
}

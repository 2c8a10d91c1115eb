package io.herald.bus;

/**
 * Every name Herald uses in the cluster: event-bus addresses and cluster-wide maps.
 *
 * <p>Addresses and their bodies:
 *
 * <ul>
 *   <li>{@code herald.event.<name>} — published; a {@code String}: the client frame exactly as
 *       subscribers receive it, {@code
 *       {"msg":"added|changed|removed","collection":"<name>","id":..,"fields":..,"extra":..}}
 *   <li>{@code herald.method.<name>} — request/reply; request {@code
 *       {"params":[..],"session":".."}}, reply {@code {"result":..}} or {@code {"error":{ERROR
 *       dict}}}
 *   <li>{@code herald.registry.events} — published on every event registration; the descriptor's
 *       JSON
 *   <li>{@code herald.node.<id>.probe} — request/reply; see {@link Reachability}
 *   <li>{@code herald.node.<id>.sources} — request/reply; the node's source host: subscriptions of
 *       other nodes to the sources it runs (see {@code io.herald.remote.SourceHost} for the bodies)
 *   <li>{@code herald.node.<id>.source.<instance>} — published; the output of one source instance
 *       run by that node for other nodes (see {@code io.herald.remote.RemoteProtocol})
 *   <li>{@code herald.node.<id>.jobs} — request/reply; the node's jobs, asked by every node (see
 *       {@code io.herald.jobs.ClusterJobs})
 * </ul>
 *
 * <p>Maps are the {@code MAP_} constants.
 */
public final class Addresses {

  public static final String EVENT_PREFIX = "herald.event.";
  public static final String METHOD_PREFIX = "herald.method.";
  public static final String EVENT_REGISTRATIONS = "herald.registry.events";

  /**
   * Header of event messages published through {@code Herald.publish}: the message's stream
   * position {@code <epoch>@<offset>} (see {@code io.herald.StreamPosition}), the epoch being the
   * publishing node's id and the offset counting its publications of that event from 1. Snapshots
   * report the positions they reflect, so that a snapshot subscription can drop the messages its
   * snapshot already contains.
   */
  public static final String POSITION_HEADER = "herald-pos";

  /**
   * Header of event messages that concern one user ({@code io.herald.EventMessage#owner}): their
   * username. Subscribers without the event's roles receive only the messages they own.
   */
  public static final String OWNER_HEADER = "herald-owner";

  /**
   * Header of probe messages: an empty-string body published to an event address to check that a
   * new consumer is reachable from the publishing node (see {@link Reachability}). Consumers of
   * event addresses drop them.
   */
  public static final String PROBE_HEADER = "herald-probe";

  /** Event name → descriptor JSON: the catalogue (see {@code io.herald.event.EventRegistry}). */
  public static final String MAP_EVENTS = "herald.events";

  /** Node id → its {@code cluster.nodes} record. */
  public static final String MAP_NODES = "herald.nodes";

  /**
   * Job id → {@code {"node", "job"}}: every unfinished job of the cluster (see {@code
   * io.herald.jobs.ClusterJobs}).
   */
  public static final String MAP_LIVE_JOBS = "herald.jobs.live";

  /**
   * {@code <event>@<node>} → node: which nodes can run each source (see {@code
   * io.herald.remote.Providers}).
   */
  public static final String MAP_SOURCE_PROVIDERS = "herald.sources.providers";

  /**
   * Instance key → node: the owner of each instance of a CLUSTER source (see {@code
   * io.herald.remote.ClusterClaims}).
   */
  public static final String MAP_SOURCE_OWNERS = "herald.sources.owners";

  /**
   * Name → a number that only grows (e.g. {@code herald.jobs.blocks}, the highest job id block
   * taken, see {@code io.herald.jobs.JobIds}): held by every node, the higher value winning when a
   * partition heals (see {@code io.herald.cluster.HazelcastConfigs}).
   */
  public static final String MAP_COUNTERS = "herald.counters";

  /**
   * {@code "accounts"} → the accounts document (users and API keys, see {@code
   * io.herald.auth.AccountStore}), replaced whole by compare-and-set.
   */
  public static final String MAP_ACCOUNTS = "herald.accounts";

  /** SHA-256 of a login token → {@code {"username", "expires_at", "origin"}}, each with its TTL. */
  public static final String MAP_TOKENS = "herald.auth.tokens";

  /**
   * Published by a node whose change to the accounts document was stored ({@code {"revision"}}):
   * every node re-reads it and re-checks its logged-in connections.
   */
  public static final String ACCOUNTS_CHANGED = "herald.accounts.changed";

  /**
   * Event name → the epochs (node ids, space-separated) that keep a history log of it (see {@code
   * io.herald.history.History}); each log is the ringbuffer {@link #historyLog}.
   */
  public static final String MAP_HISTORY_EPOCHS = "herald.history.epochs";

  private static final String HISTORY_PREFIX = "herald.history/";

  private Addresses() {}

  /**
   * The ringbuffer that keeps node {@code epoch}'s publications of {@code event} (an event name has
   * no {@code /}, so one event's logs never match another's {@link #historyLogs} pattern).
   */
  public static String historyLog(String event, String epoch) {
    return HISTORY_PREFIX + event + "/" + epoch;
  }

  /** The configuration pattern of every {@link #historyLog} of {@code event}. */
  public static String historyLogs(String event) {
    return HISTORY_PREFIX + event + "/*";
  }

  public static String event(String name) {
    return EVENT_PREFIX + name;
  }

  public static String method(String name) {
    return METHOD_PREFIX + name;
  }

  /** Where a node's source host serves subscriptions of other nodes. */
  public static String sourceHost(String nodeId) {
    return "herald.node." + nodeId + ".sources";
  }

  /**
   * Where {@code nodeId} publishes the output of its instance for the instance key {@code key}
   * (event and canonical argument): one address per key and node, known in advance to both sides.
   */
  public static String sourceStream(String nodeId, String key) {
    return "herald.node."
        + nodeId
        + ".source."
        + java.util.UUID.nameUUIDFromBytes(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Where a node serves the questions of other nodes about its jobs. */
  public static String nodeJobs(String nodeId) {
    return "herald.node." + nodeId + ".jobs";
  }

  /**
   * Where a node finishes recording its publications of an event in its history before another node
   * reads it ({@code {"event"}} → {@code {}}, see {@code io.herald.history.History#serve}).
   */
  public static String historyFlush(String nodeId) {
    return "herald.node." + nodeId + ".history";
  }

  /** Where a node serves probe requests ({@code {"address", "token"}}). */
  public static String probe(String nodeId) {
    return "herald.node." + nodeId + ".probe";
  }
}

package io.herald;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * A Herald node, as the verticles that publish events and serve methods use it. A verticle named in
 * the {@code verticles} setting gets it through its constructor ({@code public MyVerticle(Herald
 * herald)}):
 *
 * <pre>{@code
 * herald.registerEvent(EventDescriptor.broadcast("backup.progress").description("Backup progress").build())
 *     .onSuccess(v -> vertx.setPeriodic(1000, id ->
 *         herald.publish("backup.progress", EventMessage.changed(1, new JsonObject().put("percent", 42)))));
 * }</pre>
 *
 * Events and methods are cluster-wide: registered on one node, they can be subscribed to,
 * published, consumed and called from every node. Publishing is best-effort (the event bus gives no
 * delivery guarantee), ordered per publisher per event. Every method may be called from any thread.
 */
public interface Herald {

  /** The version of this build (from the jar's manifest; "dev" when run from classes). */
  String VERSION =
      Objects.requireNonNullElse(Herald.class.getPackage().getImplementationVersion(), "dev");

  /** This node's id (its cluster member id). */
  String nodeId();

  /**
   * Registers a broadcast event, cluster-wide; EEXIST when the name is taken by another definition.
   */
  Future<Void> registerEvent(EventDescriptor event);

  /**
   * Registers a source event and the factory that serves it on this node. Where its instances run
   * depends on the event's {@link EventDescriptor.Placement}.
   */
  Future<Void> registerSource(EventDescriptor event, SourceFactory factory);

  /**
   * Lets subscriptions to a broadcast event ask for its current items first ({@code "snapshot":
   * true}).
   */
  void registerSnapshot(String event, SnapshotProvider provider);

  /** Registers a method callable by the clients of every node. */
  Future<Void> registerMethod(MethodDescriptor method);

  /**
   * Registers a job method: a call queues a job running {@code handler} and returns the job id at
   * once; the job's progress and end are reported on {@code core.get_jobs}. The job belongs to the
   * calling user, who sees it without {@link Roles#JOBS_READ}.
   *
   * @param params JSON Schema of the params list, or null
   * @param roles who may call it (see {@link MethodDescriptor#roles()})
   */
  Future<Void> registerJobMethod(
      String name, String description, JsonObject params, List<String> roles, JobHandler handler);

  /** A job method only {@link Roles#FULL_ADMIN} may call. */
  default Future<Void> registerJobMethod(
      String name, String description, JsonObject params, JobHandler handler) {
    return registerJobMethod(name, description, params, List.of(), handler);
  }

  /** Publishes a message of a registered broadcast event to its subscribers on every node. */
  Future<Void> publish(String event, EventMessage message);

  /**
   * Where this node's publications of {@code event} stand: a {@link SnapshotProvider} reports it
   * with the items it read at the same moment (see {@link Snapshot}).
   */
  StreamPosition position(String event);

  /**
   * Receives every message published for a broadcast event, on any node, with its position, until
   * the registration is undone. Completes once the consumer is registered cluster-wide (a node that
   * published the event before may take a moment to see it; subscriptions of clients wait for
   * that).
   */
  Future<Registration> consume(String event, Handler<Published> handler);

  /**
   * Calls a method of any node as a trusted verticle ({@link Caller#INTERNAL}: every role). Fails
   * with a {@link CallError}.
   */
  default Future<Object> call(String method, JsonArray params) {
    return call(method, params, Caller.INTERNAL);
  }

  /**
   * Calls a method of any node on behalf of {@code caller} (e.g. a job's {@link JobHandle#caller}),
   * whose roles are checked as a client's would be.
   */
  Future<Object> call(String method, JsonArray params, Caller caller);

  /**
   * {@code {name: {description, wildcard_subscription, accepts, returns}}} of every event that is
   * not private.
   */
  JsonObject catalogue();
}

package io.herald.jobs;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventMessage;
import io.herald.Snapshot;
import io.herald.StreamPosition;
import io.herald.bus.Addresses;
import io.herald.bus.LocalDelivery;
import io.herald.cluster.Membership;
import io.herald.query.Filters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs of every node, seen from any node. Each node keeps its own jobs ({@link JobManager}) and
 * serves them at {@link Addresses#nodeJobs}; queries, snapshots, aborts and waits go to every node
 * and are merged here.
 *
 * <p>Each node also mirrors its unfinished jobs in the cluster-wide map {@link
 * Addresses#MAP_LIVE_JOBS}. When a node dies, the survivor that handles its departure (the oldest
 * member, see {@link Membership#isOldest}) adopts them as FAILED, naming the lost node, and
 * announces their final {@code changed}: no job stays RUNNING forever. A node that stops cleanly
 * fails its own unfinished jobs and hands its whole history to a survivor.
 *
 * <p>A network partition looks like deaths on both sides, so each side settles the other's
 * unfinished jobs as FAILED. When it heals, the owner's state wins: the copies adopted from a node
 * that comes back are dropped, and each node tells its own clients the returning node's jobs that
 * changed since the split, as that node has them (see {@link #returned}).
 */
public final class ClusterJobs {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterJobs.class);

  /** A wait is renewed this often, so that a waiter notices when the job's node dies. */
  private static final long WAIT_RENEW_MS = 5_000;

  /**
   * After a partition, a returning node is asked for its jobs this many times, a second apart,
   * until it answers.
   */
  private static final int PULL_ATTEMPTS = 30;

  private final Vertx vertx;
  private final Membership membership;
  private final JobManager local;
  private MessageConsumer<JsonObject> service;
  private AsyncMap<Long, JsonObject> live;
  private Runnable stopListening = () -> {};

  public ClusterJobs(Vertx vertx, Membership membership, JobManager local) {
    this.vertx = vertx;
    this.membership = membership;
    this.local = local;
  }

  /**
   * Serves this node's jobs to the others; on the oldest member, settles the jobs of nodes that
   * die; on every node, makes the owner's state win when a partition heals.
   */
  public Future<Void> start() {
    service = vertx.eventBus().consumer(Addresses.nodeJobs(membership.nodeId()), this::serve);
    return service
        .completion()
        .compose(v -> membership.<Long, JsonObject>map(Addresses.MAP_LIVE_JOBS))
        .onSuccess(
            map -> {
              live = map;
              Runnable stopLeft =
                  membership.onLeft(
                      node -> {
                        if (membership.isOldest()) {
                          settle(node);
                        }
                      });
              Runnable stopReturned = membership.onReturned(this::returned);
              stopListening =
                  () -> {
                    stopLeft.run();
                    stopReturned.run();
                  };
            })
        .mapEmpty();
  }

  /** Publishes a job event of this node and keeps the map of unfinished jobs current. */
  public void published(EventMessage message) {
    if (live == null) {
      return;
    }
    Long id = ((Number) message.id()).longValue();
    JsonObject fields = message.fields();
    if (fields == null || JobState.valueOf(fields.getString("state")).terminal()) {
      live.remove(id);
    } else {
      live.put(id, new JsonObject().put("node", membership.nodeId()).put("job", fields));
    }
  }

  // --- what clients call ---

  /** {@code core.get_jobs}: filters applied on every node, options on the merged list. */
  public Future<Object> query(JsonArray filters, JsonObject options, Caller caller) {
    JsonObject request =
        new JsonObject().put("op", "list").put("filters", filters).put("caller", caller.toJson());
    return everyNode(request, WAIT_RENEW_MS)
        .map(
            answers -> {
              List<JsonObject> all = new ArrayList<>();
              answers.forEach(a -> ((JsonArray) a).forEach(j -> all.add((JsonObject) j)));
              return Filters.apply(all, new JsonArray(), options);
            });
  }

  /**
   * Every node's jobs with every node's position: each node's part is atomic, so the merge is too.
   */
  public Future<Snapshot> snapshot() {
    return everyNode(new JsonObject().put("op", "snapshot"), WAIT_RENEW_MS)
        .map(
            answers -> {
              List<EventMessage> items = new ArrayList<>();
              List<StreamPosition> positions = new ArrayList<>();
              for (Object answer : answers) {
                JsonObject part = (JsonObject) answer;
                part.getJsonArray("jobs")
                    .forEach(
                        j ->
                            items.add(
                                EventMessage.added(((JsonObject) j).getLong("id"), (JsonObject) j)
                                    .withOwner(Job.ownerOf((JsonObject) j))));
                part.getJsonArray("positions")
                    .forEach(p -> positions.add(StreamPosition.parse((String) p)));
              }
              return new Snapshot(items, positions);
            });
  }

  public Future<Void> abort(long id, Caller caller) {
    return owner(
            new JsonObject().put("op", "abort").put("id", id).put("caller", caller.toJson()),
            WAIT_RENEW_MS)
        .mapEmpty();
  }

  /**
   * The job's result once it ends, wherever it runs. Renewed every few seconds, so that the death
   * of its node is noticed; while a dead node's job waits to be settled (it is still in the map of
   * unfinished jobs but on no node), the wait goes on.
   */
  public Future<Object> await(long id, Caller caller) {
    return owner(
            new JsonObject().put("op", "wait").put("id", id).put("caller", caller.toJson()),
            WAIT_RENEW_MS)
        .recover(
            e -> {
              if (e instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT) {
                return await(id, caller);
              }
              if (e instanceof CallError c && c.error.errno() == Errno.ENOENT && live != null) {
                return live.get(id)
                    .compose(
                        unsettled ->
                            unsettled == null
                                ? Future.failedFuture(e)
                                : vertx.timer(WAIT_RENEW_MS / 10).compose(t -> await(id, caller)));
              }
              return Future.failedFuture(e);
            });
  }

  // --- a node's death and departure ---

  /**
   * Adopts the unfinished jobs of a node that left as FAILED; run by the one survivor handling its
   * departure. A node that left cleanly handed its jobs over first and has none left in the map.
   */
  private void settle(String deadNode) {
    live.entries()
        .onSuccess(
            entries -> {
              List<JsonObject> orphans = new ArrayList<>();
              entries.forEach(
                  (id, entry) -> {
                    if (deadNode.equals(entry.getString("node"))) {
                      orphans.add(entry.getJsonObject("job"));
                    }
                  });
              if (orphans.isEmpty()) {
                return;
              }
              LOG.warn("settling {} unfinished job(s) of lost node {}", orphans.size(), deadNode);
              local
                  .adopt(
                      orphans,
                      "Node " + deadNode + " left the cluster while the job was unfinished",
                      deadNode)
                  .onComplete(v -> orphans.forEach(job -> live.remove(job.getLong("id"))));
            });
  }

  /**
   * This node stops: its unfinished jobs end FAILED, and its history goes to a survivor (if any).
   */
  public Future<Void> handOver() {
    stopListening.run();
    List<String> others = membership.others();
    return local
        .stop("Node " + membership.nodeId() + " stopped while the job was unfinished")
        .compose(
            all ->
                others.isEmpty()
                    ? Future.succeededFuture()
                    : vertx
                        .eventBus()
                        .request(
                            Addresses.nodeJobs(others.get(0)),
                            new JsonObject()
                                .put("op", "adopt")
                                .put("jobs", new JsonArray(new ArrayList<>(all))),
                            new DeliveryOptions().setSendTimeout(WAIT_RENEW_MS))
                        .mapEmpty())
        .recover(
            e -> {
              LOG.warn("jobs not handed over: {}", e.toString());
              return Future.succeededFuture();
            })
        .compose(v -> service == null ? Future.succeededFuture() : service.unregister());
  }

  // --- a partition heals ---

  /**
   * {@code node} is back after a network partition; called on every node. The copies of its jobs
   * that this node settled as FAILED go: it owns them again. This node's unfinished jobs are
   * mirrored again (the other side settled and unmirrored them; the merge may bring back stale
   * entries). And this node's clients are told the returning node's jobs that changed since the
   * split, with the state it has: {@code added} for those started since, {@code changed} for the
   * others, after the presumed FAILED they may have seen.
   */
  private void returned(String node) {
    local
        .forget(node)
        .onComplete(
            v -> {
              remirror();
              pull(node, 1);
            });
  }

  /**
   * Puts this node's unfinished jobs in the map again, and removes its entries of jobs that have
   * ended.
   */
  private void remirror() {
    live.entries()
        .onSuccess(
            entries ->
                local
                    .changedSince(Long.MAX_VALUE)
                    .onSuccess(
                        unfinished -> {
                          // Both run on the engine's context, before any later change of these
                          // jobs: none undoes a newer one.
                          List<Long> ids =
                              unfinished.stream().map(job -> job.getLong("id")).toList();
                          entries.forEach(
                              (id, entry) -> {
                                if (membership.nodeId().equals(entry.getString("node"))
                                    && !ids.contains(id)) {
                                  live.removeIfPresent(id, entry);
                                }
                              });
                          unfinished.forEach(
                              job ->
                                  live.put(
                                      job.getLong("id"),
                                      new JsonObject()
                                          .put("node", membership.nodeId())
                                          .put("job", job)));
                        }));
  }

  /**
   * Asks {@code node} for its jobs changed since the split, until it answers, and tells this node's
   * clients.
   */
  private void pull(String node, int attempt) {
    if (!membership.isMember(node)) {
      return;
    }
    ask(
            node,
            new JsonObject().put("op", "since_split").put("node", membership.nodeId()),
            WAIT_RENEW_MS)
        .onSuccess(
            answer -> {
              JsonObject changed = (JsonObject) answer;
              long since = changed.getLong("since");
              for (Object o : changed.getJsonArray("jobs")) {
                JsonObject job = (JsonObject) o;
                long id = job.getLong("id");
                EventMessage message =
                    job.getJsonObject("time_started").getLong("$date") >= since
                        ? EventMessage.added(id, job)
                        : EventMessage.changed(id, job);
                LocalDelivery.deliver(
                    vertx, JobManager.EVENT, message.toFrame(JobManager.EVENT).encode());
              }
            })
        .onFailure(
            e -> {
              // Its service is registered again once its side's merge is done.
              if (attempt < PULL_ATTEMPTS) {
                vertx.setTimer(1000, t -> pull(node, attempt + 1));
              } else {
                LOG.warn(
                    "jobs of node {} not resynchronized after the partition: {}",
                    node,
                    e.toString());
              }
            });
  }

  // --- serving this node's part ---

  private void serve(Message<JsonObject> request) {
    JsonObject body = request.body();
    Future<?> answer =
        switch (body.getString("op")) {
          case "list" ->
              local.query(
                  body.getJsonArray("filters", new JsonArray()), new JsonObject(), caller(body));
          case "snapshot" ->
              local
                  .snapshot()
                  .map(
                      s ->
                          new JsonObject()
                              .put(
                                  "jobs",
                                  new JsonArray(
                                      s.items().stream().map(EventMessage::fields).toList()))
                              .put(
                                  "positions",
                                  new JsonArray(
                                      s.positions().stream()
                                          .map(StreamPosition::toString)
                                          .toList())));
          case "abort" -> local.abort(body.getLong("id"), caller(body));
          case "wait" -> local.await(body.getLong("id"), caller(body));
          case "adopt" ->
              local.adopt(
                  body.getJsonArray("jobs").stream().map(j -> (JsonObject) j).toList(), "", null);
          case "since_split" -> {
            long since = membership.lostSince(body.getString("node"));
            yield local
                .changedSince(since)
                .map(jobs -> new JsonObject().put("since", since).put("jobs", new JsonArray(jobs)));
          }
          default -> Future.failedFuture(new CallError(Errno.EINVAL, "unknown jobs operation"));
        };
    answer.onComplete(
        ar ->
            request.reply(
                ar.succeeded()
                    ? new JsonObject().put("result", ar.result())
                    : new JsonObject().put("error", CallError.toErrorDict(ar.cause()).toJson())));
  }

  /** Who asks: the caller the request names (requests of older callers name none: nobody). */
  private static Caller caller(JsonObject request) {
    JsonObject caller = request.getJsonObject("caller");
    return caller == null ? Caller.ANONYMOUS : Caller.fromJson(caller);
  }

  // --- asking the nodes ---

  private List<String> nodes() {
    List<String> nodes = new ArrayList<>(membership.others());
    nodes.add(0, membership.nodeId());
    return nodes;
  }

  private Future<Object> ask(String node, JsonObject request, long timeoutMs) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.nodeJobs(node), request, new DeliveryOptions().setSendTimeout(timeoutMs))
        .compose(
            reply ->
                reply.body().containsKey("error")
                    ? Future.failedFuture(
                        new CallError(ErrorDict.fromJson(reply.body().getJsonObject("error"))))
                    : Future.succeededFuture(reply.body().getValue("result")));
  }

  /**
   * Every node's answer; a node that does not answer (it is leaving) is left out, an error a node
   * answers (an invalid filter, say) fails the whole: a query must not silently come back short.
   */
  private Future<List<Object>> everyNode(JsonObject request, long timeoutMs) {
    List<Future<Object>> answers =
        nodes().stream()
            .map(
                node ->
                    ask(node, request, timeoutMs)
                        .recover(
                            e ->
                                e instanceof CallError
                                    ? Future.failedFuture(e)
                                    : Future.succeededFuture(null)))
            .toList();
    return Future.all(answers)
        .map(all -> answers.stream().map(Future::result).filter(r -> r != null).toList());
  }

  /**
   * The answer of the node that has the job: ENOENT from every other node; ENOENT when none has it.
   */
  private Future<Object> owner(JsonObject request, long timeoutMs) {
    List<Future<Object>> answers =
        nodes().stream().map(node -> ask(node, request, timeoutMs)).toList();
    return Future.join(answers)
        .transform(
            ar -> {
              for (Future<Object> answer : answers) {
                if (answer.succeeded()) {
                  return Future.succeededFuture(answer.result());
                }
              }
              for (Future<Object> answer : answers) {
                if (!(answer.cause() instanceof CallError e && e.error.errno() == Errno.ENOENT)) {
                  return Future.failedFuture(answer.cause());
                }
              }
              return Future.failedFuture(
                  new CallError(Errno.ENOENT, "Job " + request.getLong("id") + " does not exist"));
            });
  }
}

package io.herald.jobs;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventMessage;
import io.herald.JobHandle;
import io.herald.JobHandler;
import io.herald.Roles;
import io.herald.Snapshot;
import io.herald.StreamPosition;
import io.herald.query.Filters;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job engine of a node: a queue with a concurrency limit, the job states, their {@code
 * core.get_jobs} events, a bounded history of finished jobs, abort and wait.
 *
 * <p>All state is confined to the engine's context; every public method may be called from any
 * thread and its future completes on the engine's context.
 *
 * <p>Event contract: {@code added} (WAITING) when queued; {@code changed} on every state change, on
 * progress (throttled, see {@link ProgressThrottle}) and on description changes; always a final
 * {@code changed} with the terminal state and {@code time_finished}; {@code removed} when a
 * finished job leaves the history.
 */
public final class JobManager {

  public static final String EVENT = "core.get_jobs";
  private static final Logger LOG = LoggerFactory.getLogger(JobManager.class);

  /** Settings of the engine. */
  /**
   * @param maxWaiting how many jobs may wait at once; one more is refused (ETOOMANYREFS)
   */
  public record Limits(
      int maxRunning, int maxWaiting, int historySize, long progressIntervalMs, Path logsDir) {}

  private final Vertx vertx;

  /** The node's one thread for clients' regular expressions (see {@link #query}). */
  private final WorkerExecutor regexFilters;

  private final Context context;
  private final Limits limits;
  private final BiConsumer<String, EventMessage> publisher;
  private final Supplier<Future<Long>> ids;
  private final Supplier<StreamPosition> position;
  private final LongSupplier clock;
  private final Map<Long, Entry> jobs = new LinkedHashMap<>();
  private final Deque<Entry> waiting = new ArrayDeque<>();
  private final Deque<Long> finished = new ArrayDeque<>();
  private int running;

  /**
   * @param publisher publishes a {@code core.get_jobs} message
   * @param ids the next job id (unique across the cluster)
   * @param position the position of this node's last publication of {@code core.get_jobs} (see
   *     {@link Snapshot})
   * @param clock the time in milliseconds since the epoch ({@code System::currentTimeMillis}): the
   *     jobs' times and the progress throttle read it
   */
  public JobManager(
      Vertx vertx,
      Context context,
      Limits limits,
      BiConsumer<String, EventMessage> publisher,
      Supplier<Future<Long>> ids,
      Supplier<StreamPosition> position,
      LongSupplier clock) {
    this.vertx = vertx;
    this.regexFilters = vertx.createSharedWorkerExecutor("herald-regex-filters", 1);
    this.context = context;
    this.limits = limits;
    this.publisher = publisher;
    this.ids = ids;
    this.position = position;
    this.clock = clock;
  }

  private final class Entry implements JobHandle {
    final Job job;
    final JobHandler handler;
    final ProgressThrottle throttle = new ProgressThrottle(limits.progressIntervalMs());
    final Promise<Void> abort = Promise.promise();
    final Promise<Void> done = Promise.promise();
    AsyncFile log;
    Future<AsyncFile> logOpening;

    final Caller caller;

    /** The node whose job this is, when it was adopted from a node presumed dead; else null. */
    String presumedDead;

    Entry(Job job, JobHandler handler, Caller caller) {
      this.job = job;
      this.handler = handler;
      this.caller = caller;
    }

    @Override
    public Caller caller() {
      return caller;
    }

    @Override
    public long id() {
      return job.id;
    }

    @Override
    public JsonArray params() {
      return job.arguments.copy();
    }

    @Override
    public void setProgress(Number percent, String description, Object extra) {
      onContext(() -> progress(this, percent, description, extra));
    }

    @Override
    public void setDescription(String description) {
      onContext(
          () -> {
            if (!job.state.terminal() && !java.util.Objects.equals(description, job.description)) {
              job.description = description;
              emit(EventMessage.changed(job.id, job.toJson()));
            }
          });
    }

    @Override
    public void log(String line) {
      onContext(() -> appendLog(this, line));
    }

    @Override
    public boolean isAborted() {
      return job.abortRequested;
    }

    @Override
    public Future<Void> abortRequested() {
      return abort.future();
    }
  }

  /**
   * Queues a job for {@code caller} (its owner: the caller's user, if any); completes with its id
   * as soon as it is queued (its {@code added} event is out).
   */
  public Future<Long> submit(String method, JsonArray params, Caller caller, JobHandler handler) {
    return submit(method, params, caller, null, handler);
  }

  /**
   * As {@link #submit(String, JsonArray, Caller, JobHandler)}, for the client call {@code
   * messageId} (listed in the job's {@code message_ids}, so that a JSON-RPC client can tie its call
   * to the job).
   */
  public Future<Long> submit(
      String method, JsonArray params, Caller caller, Object messageId, JobHandler handler) {
    return ids.get()
        .compose(
            id ->
                call(
                    () -> {
                      if (waiting.size() >= limits.maxWaiting()) {
                        throw new CallError(
                            Errno.ETOOMANYREFS,
                            "Too many jobs waiting on this node (limit "
                                + limits.maxWaiting()
                                + ")");
                      }
                      Entry entry =
                          new Entry(
                              new Job(
                                  id,
                                  method,
                                  params.copy(),
                                  clock.getAsLong(),
                                  caller.username(),
                                  messageId == null
                                      ? new JsonArray()
                                      : new JsonArray().add(messageId)),
                              handler,
                              caller);
                      jobs.put(id, entry);
                      waiting.addLast(entry);
                      emit(EventMessage.added(id, entry.job.toJson()));
                      pump();
                      return id;
                    }));
  }

  /**
   * {@code core.get_jobs(filters, options)} over every job this engine knows that {@code viewer}
   * may see.
   */
  public Future<Object> query(JsonArray filters, JsonObject options, Caller viewer) {
    return call(() -> {
          List<JsonObject> all = new ArrayList<>(jobs.size());
          jobs.values()
              .forEach(
                  e -> {
                    if (mayRead(viewer, e.job)) {
                      all.add(e.job.toJson());
                    }
                  });
          return all;
        })
        .compose(
            all ->
                Filters.usesRegex(filters)
                    // A client's regular expression runs on the node's one filter thread: never on
                    // an event loop, and however many are in flight, they take one core at most and
                    // queue behind each other, not in front of anyone else's work.
                    ? regexFilters.executeBlocking(() -> Filters.apply(all, filters, options))
                    : Future.succeededFuture(Filters.apply(all, filters, options)));
  }

  /** How many jobs this engine holds in each state (every state present), for the metrics. */
  public Future<java.util.Map<JobState, Integer>> countsByState() {
    return call(
        () -> {
          java.util.Map<JobState, Integer> counts = new java.util.EnumMap<>(JobState.class);
          for (JobState state : JobState.values()) {
            counts.put(state, 0);
          }
          jobs.values().forEach(e -> counts.merge(e.job.state, 1, Integer::sum));
          return counts;
        });
  }

  /**
   * Every job as an {@code added} message, read on the engine's context together with the
   * publication position.
   */
  public Future<Snapshot> snapshot() {
    return call(
        () -> {
          List<EventMessage> items = new ArrayList<>(jobs.size());
          jobs.values()
              .forEach(
                  e ->
                      items.add(
                          JobEvents.clipped(EventMessage.added(e.job.id, e.job.toJson()))
                              .withOwner(e.job.owner)));
          return new Snapshot(items, List.of(position.get()));
        });
  }

  /**
   * Takes over jobs of another node (dead, or handing over as it stops) that have ended or that
   * this node ends now as FAILED with {@code failure}: they join this node's history, and those
   * ended here are announced with their final {@code changed}.
   *
   * @param presumedDead the node, when it is presumed dead (it may come back after a partition, see
   *     {@link #forget}); null when it stopped
   */
  public Future<Void> adopt(List<JsonObject> others, String failure, String presumedDead) {
    return call(
        () -> {
          for (JsonObject json : others) {
            Job job = Job.fromJson(json);
            if (jobs.containsKey(job.id)) {
              continue;
            }
            Entry entry = new Entry(job, null, Caller.ANONYMOUS);
            entry.presumedDead = presumedDead;
            jobs.put(job.id, entry);
            if (job.state.terminal()) {
              entry.done.tryComplete();
              remember(job.id);
            } else {
              finish(entry, JobState.FAILED, null, new CallError(Errno.EFAULT, failure));
            }
          }
          return null;
        });
  }

  /**
   * {@code node}, presumed dead, is back after a network partition and owns its jobs again: the
   * copies adopted from it leave this node's history, silently (its own announcements tell the
   * clients their real state).
   */
  public Future<Void> forget(String node) {
    return call(
        () -> {
          jobs.values()
              .removeIf(
                  entry -> {
                    boolean back = node.equals(entry.presumedDead);
                    if (back) {
                      finished.remove(entry.job.id);
                    }
                    return back;
                  });
          return null;
        });
  }

  /**
   * This node's own jobs (not adopted ones) that are unfinished or ended at or after {@code since}
   * (ms): what the other side of a partition may not have seen.
   */
  public Future<List<JsonObject>> changedSince(long since) {
    return call(
        () -> {
          List<JsonObject> changed = new ArrayList<>();
          for (Entry entry : jobs.values()) {
            Job job = entry.job;
            if (entry.handler != null && (!job.state.terminal() || job.timeFinished >= since)) {
              changed.add(job.toJson());
            }
          }
          return changed;
        });
  }

  /**
   * The node is stopping: waiting and running jobs end FAILED with {@code reason} (their final
   * {@code changed} goes out now; handlers still running are ignored when they return). Returns
   * every job, for a survivor to adopt.
   */
  public Future<List<JsonObject>> stop(String reason) {
    return call(
        () -> {
          waiting.clear();
          List<JsonObject> all = new ArrayList<>();
          for (Entry entry : new ArrayList<>(jobs.values())) {
            if (!entry.job.state.terminal()) {
              finish(entry, JobState.FAILED, null, new CallError(Errno.EFAULT, reason));
            }
            all.add(entry.job.toJson());
          }
          return all;
        });
  }

  /**
   * Requests an abort: a waiting job ends ABORTED at once, a running one when its handler returns.
   */
  public Future<Void> abort(long id, Caller caller) {
    return call(
        () -> {
          Entry entry = find(id, caller);
          if (!caller.maySee(List.of(Roles.JOBS_WRITE), entry.job.owner)) {
            throw new CallError(caller.refusal());
          }
          if (entry.job.state.terminal()) {
            return null;
          }
          entry.job.abortRequested = true;
          if (entry.job.state == JobState.WAITING) {
            waiting.remove(entry);
            finish(entry, JobState.ABORTED, null, null);
          } else {
            entry.abort.tryComplete();
          }
          return null;
        });
  }

  /**
   * The job's result once it has ended; a FAILED or ABORTED job fails the future with its error.
   */
  public Future<Object> await(long id, Caller caller) {
    return call(() -> find(id, caller))
        .compose(
            entry ->
                entry
                    .done
                    .future()
                    .transform(
                        ignored ->
                            call(
                                () -> {
                                  Job job = entry.job;
                                  if (job.state == JobState.SUCCESS) {
                                    return job.result;
                                  }
                                  if (job.state == JobState.ABORTED) {
                                    throw new CallError(Errno.EINTR, "Job " + id + " was aborted");
                                  }
                                  throw new CallError(
                                      job.excInfo != null
                                              && job.excInfo.getValue("errname")
                                                  instanceof String errname
                                          ? ErrorDict.of(errno(errname), job.error)
                                          : ErrorDict.of(Errno.EFAULT, job.error));
                                })));
  }

  private static Errno errno(String name) {
    try {
      return Errno.valueOf(name);
    } catch (IllegalArgumentException e) {
      return Errno.EFAULT;
    }
  }

  /** The job, when {@code caller} may see it (else, as for a job that does not exist, ENOENT). */
  private Entry find(long id, Caller caller) {
    Entry entry = jobs.get(id);
    if (entry == null || !mayRead(caller, entry.job)) {
      throw new CallError(Errno.ENOENT, "Job " + id + " does not exist");
    }
    return entry;
  }

  private void pump() {
    while (running < limits.maxRunning() && !waiting.isEmpty()) {
      Entry entry = waiting.removeFirst();
      running++;
      entry.job.state = JobState.RUNNING;
      emit(EventMessage.changed(entry.job.id, entry.job.toJson()));
      Future<Object> work;
      try {
        work = entry.handler.run(entry);
        work = work == null ? Future.succeededFuture() : work;
      } catch (RuntimeException e) {
        work = Future.failedFuture(e);
      }
      work.onComplete(
          ar ->
              onContext(
                  () -> {
                    running--;
                    if (entry.job.state.terminal()) {
                      pump(); // ended meanwhile: the node is stopping
                      return;
                    }
                    if (entry.job.abortRequested) {
                      finish(entry, JobState.ABORTED, null, null);
                    } else if (ar.succeeded()) {
                      finish(entry, JobState.SUCCESS, ar.result(), null);
                    } else {
                      finish(entry, JobState.FAILED, null, ar.cause());
                    }
                    pump();
                  }));
    }
  }

  private void progress(Entry entry, Number percent, String description, Object extra) {
    Job job = entry.job;
    if (job.state.terminal()) {
      return;
    }
    boolean significant = entry.throttle.significant(percent, description);
    job.percent = percent;
    job.progressDescription = description;
    job.progressExtra = extra;
    if (!significant || entry.throttle.trailingTimer >= 0) {
      return;
    }
    long delay = entry.throttle.delay(clock.getAsLong());
    if (delay == 0) {
      emitProgress(entry);
    } else {
      entry.throttle.trailingTimer =
          vertx.setTimer(
              delay,
              t ->
                  onContext(
                      () -> {
                        entry.throttle.trailingTimer = -1;
                        if (!job.state.terminal()) {
                          emitProgress(entry);
                        }
                      }));
    }
  }

  private void emitProgress(Entry entry) {
    entry.throttle.emitted(clock.getAsLong(), entry.job.percent, entry.job.progressDescription);
    emit(EventMessage.changed(entry.job.id, entry.job.toJson()));
  }

  private void finish(Entry entry, JobState state, Object result, Throwable failure) {
    Job job = entry.job;
    if (entry.throttle.trailingTimer >= 0) {
      vertx.cancelTimer(entry.throttle.trailingTimer);
      entry.throttle.trailingTimer = -1;
    }
    job.state = state;
    job.timeFinished = clock.getAsLong();
    job.result = result;
    if (state == JobState.SUCCESS && job.percent != null) {
      job.percent = 100;
    }
    if (failure != null) {
      ErrorDict error = CallError.toErrorDict(failure);
      // an unexpected exception: its message (clipped), as exception and exc_info show it
      job.error = failure instanceof CallError ? error.reason() : JobFailures.message(failure);
      // the class and the message only: a stack trace (internal frames) goes to every * subscriber
      job.exception = JobFailures.describe(failure);
      job.excInfo =
          new JsonObject()
              .put("repr", JobFailures.describe(failure))
              .put("type", failure.getClass().getSimpleName())
              .put("errno", error.errno().code)
              .put("errname", error.errno().name())
              .put("extra", error.extra());
    } else if (state == JobState.ABORTED) {
      job.error = "Job aborted";
    }
    closeLog(entry);
    entry.abort.tryComplete();
    emit(EventMessage.changed(job.id, job.toJson()));
    entry.done.tryComplete();
    remember(job.id);
  }

  /**
   * Keeps a finished job in the bounded history; the oldest beyond it are removed with {@code
   * removed}.
   */
  private void remember(long id) {
    finished.addLast(id);
    while (finished.size() > limits.historySize()) {
      Long evicted = finished.removeFirst();
      Entry gone = jobs.remove(evicted);
      publisher.accept(
          EVENT, EventMessage.removed(evicted).withOwner(gone == null ? null : gone.job.owner));
    }
  }

  private void appendLog(Entry entry, String line) {
    entry.job.appendLog(line);
    if (entry.job.state.terminal()) {
      return;
    }
    if (entry.logOpening == null) {
      Path path = limits.logsDir().resolve(entry.job.id + ".log");
      entry.job.logsPath = path.toString();
      entry.logOpening =
          vertx
              .fileSystem()
              .mkdirs(limits.logsDir().toString())
              .compose(
                  v ->
                      vertx
                          .fileSystem()
                          .open(path.toString(), new OpenOptions().setAppend(true).setCreate(true)))
              .onSuccess(file -> entry.log = file)
              .onFailure(
                  e -> LOG.warn("job {}: cannot write its log: {}", entry.job.id, e.toString()));
    }
    entry.logOpening.onSuccess(file -> file.write(io.vertx.core.buffer.Buffer.buffer(line + "\n")));
  }

  private void closeLog(Entry entry) {
    if (entry.logOpening != null) {
      entry.logOpening.onSuccess(AsyncFile::close);
    }
  }

  private static boolean mayRead(Caller caller, Job job) {
    return caller.maySee(List.of(Roles.JOBS_READ), job.owner);
  }

  /** Publishes a message of job {@code id}, naming its owner. */
  private void emit(EventMessage message) {
    Entry entry = jobs.get(((Number) message.id()).longValue());
    EventMessage clipped = JobEvents.clipped(message);
    publisher.accept(EVENT, entry == null ? clipped : clipped.withOwner(entry.job.owner));
  }

  /**
   * Runs {@code action} on the engine's context; its exception (a {@link CallError}) fails the
   * future.
   */
  private <T> Future<T> call(Supplier<T> action) {
    return OnContext.call(context, action);
  }

  private void onContext(Runnable action) {
    OnContext.run(context, action);
  }
}

package io.herald.jobs;

import static io.herald.support.TestNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.EventMessage;
import io.herald.JobHandle;
import io.herald.Snapshot;
import io.herald.StreamPosition;
import io.herald.TypedValues;
import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job engine on its own: a capturing publisher, a counter for ids, a fixed publication position
 * and a clock the test sets. Queueing, states and their events, abort, history, and the progress
 * throttle — whose waits are read from the clock, so no test sleeps.
 */
class JobManagerTest {

  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000;
  private static final StreamPosition POSITION = new StreamPosition("node-a", 42);

  private static Vertx vertx;

  /** The engines' limit of waiting jobs. */
  private int maxWaiting = 1000;

  private Context context;
  @TempDir Path logs;
  private final AtomicLong clock = new AtomicLong(T0);
  private final AtomicLong ids = new AtomicLong();

  /** Every message the engine published, in order. */
  private final List<EventMessage> events = new CopyOnWriteArrayList<>();

  /** The handle and the pending result of every job whose handler ran, by id. */
  private final Map<Long, JobHandle> handles = new ConcurrentHashMap<>();

  private final Map<Long, Promise<Object>> results = new ConcurrentHashMap<>();

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    await(vertx.close());
  }

  @BeforeEach
  void setUp() {
    context = vertx.getOrCreateContext();
  }

  private JobManager engine(int maxRunning, int historySize, long progressIntervalMs) {
    return new JobManager(
        vertx,
        context,
        new JobManager.Limits(maxRunning, maxWaiting, historySize, progressIntervalMs, logs),
        (event, message) -> {
          assertEquals(JobManager.EVENT, event);
          events.add(message);
        },
        () -> Future.succeededFuture(ids.incrementAndGet()),
        () -> POSITION,
        clock::get);
  }

  /** Submits a job whose handler waits for {@link #results}; returns its id once queued. */
  private long submit(JobManager engine, String method) {
    return await(
        engine.submit(
            method,
            new JsonArray().add(method),
            Caller.INTERNAL,
            job -> {
              assertTrue(Vertx.currentContext() == context, "handlers run on the engine's context");
              Promise<Object> result = Promise.promise();
              handles.put(job.id(), job);
              results.put(job.id(), result);
              return result.future();
            }));
  }

  private <T> T on(Supplier<T> action) {
    return TestNodes.on(context, action);
  }

  private void run(Runnable action) {
    TestNodes.run(context, action);
  }

  private static Throwable failure(Future<?> future) {
    try {
      future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    } catch (RuntimeException e) {
      return future.cause();
    }
    throw new AssertionError("succeeded, expected a failure");
  }

  private static void eventually(String what, BooleanSupplier condition) {
    TestNodes.eventually(10_000, what, condition);
  }

  /** The events as "kind id STATE", e.g. "added 1 WAITING", "changed 1 RUNNING", "removed 1". */
  private List<String> timeline() {
    return events.stream()
        .map(
            m ->
                m.kind().wire
                    + " "
                    + m.id()
                    + (m.fields() == null ? "" : " " + m.fields().getString("state")))
        .toList();
  }

  /** The progress percents of job {@code id}'s changed events while it was RUNNING. */
  private List<Object> progressEvents(long id) {
    return events.stream()
        .filter(
            m ->
                m.kind() == EventMessage.Kind.CHANGED
                    && Long.valueOf(id).equals(m.id())
                    && "RUNNING".equals(m.fields().getString("state"))
                    && m.fields().getJsonObject("progress").getValue("percent") != null)
        .map(m -> m.fields().getJsonObject("progress").getValue("percent"))
        .toList();
  }

  private JsonObject lastFields(long id) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (Long.valueOf(id).equals(events.get(i).id()) && events.get(i).fields() != null) {
        return events.get(i).fields();
      }
    }
    throw new AssertionError("no event for job " + id);
  }

  /** Regression: the waiting queue had no cap (600 jobs of 50 KB queued in 0.6 s). */
  @Test
  void aJobBeyondTheWaitingLimitIsRefused() {
    maxWaiting = 2;
    JobManager engine = engine(1, 10, 0);
    submit(engine, "running");
    submit(engine, "waiting.1");
    submit(engine, "waiting.2");
    CallError refused =
        assertThrows(
            CallError.class,
            () ->
                await(
                    engine.submit(
                        "waiting.3",
                        new JsonArray(),
                        Caller.INTERNAL,
                        job -> Promise.promise().future())));
    assertEquals(Errno.ETOOMANYREFS, refused.error.errno());
    assertEquals("Too many jobs waiting on this node (limit 2)", refused.error.reason());
    results.values().forEach(p -> p.tryComplete("done"));
  }

  @Test
  void jobsPastMaxRunningWaitInOrderUntilOneFinishes() {
    JobManager engine = engine(2, 100, 0);
    long a = submit(engine, "a");
    long b = submit(engine, "b");
    long c = submit(engine, "c");
    long d = submit(engine, "d");
    assertEquals(List.of(1L, 2L, 3L, 4L), List.of(a, b, c, d), "ids from the counter");
    assertEquals(Set.of(a, b), handles.keySet(), "two run, two wait");
    assertEquals("WAITING", lastFields(c).getString("state"));

    run(() -> results.get(b).complete("b done"));
    assertEquals(Set.of(a, b, c), handles.keySet(), "the first waiting one starts");
    assertEquals("RUNNING", lastFields(c).getString("state"));
    assertEquals("WAITING", lastFields(d).getString("state"));

    run(() -> results.get(a).fail("a failed"));
    run(() -> results.get(c).complete(null));
    run(() -> results.get(d).complete(null));
    assertEquals(
        List.of(
            "added 1 WAITING",
            "changed 1 RUNNING",
            "added 2 WAITING",
            "changed 2 RUNNING",
            "added 3 WAITING",
            "added 4 WAITING",
            "changed 2 SUCCESS",
            "changed 3 RUNNING",
            "changed 1 FAILED",
            "changed 4 RUNNING",
            "changed 3 SUCCESS",
            "changed 4 SUCCESS"),
        timeline());
  }

  @Test
  void aJobsEventsFollowTheContract() {
    JobManager engine = engine(5, 100, 0);
    long id = submit(engine, "core.test");
    JsonObject added = events.get(0).fields();
    assertEquals(EventMessage.Kind.ADDED, events.get(0).kind());
    assertEquals(id, events.get(0).id());
    assertEquals("WAITING", added.getString("state"));
    assertEquals("core.test", added.getString("method"));
    assertEquals(new JsonArray().add("core.test"), added.getJsonArray("arguments"));
    assertEquals(TypedValues.date(T0), added.getJsonObject("time_started"));
    assertNull(added.getValue("time_finished"));
    assertEquals("RUNNING", lastFields(id).getString("state"));

    JobHandle handle = handles.get(id);
    handle.setProgress(10, "copying", new JsonObject().put("file", "x"));
    handle.setDescription("Copying x");
    clock.set(T0 + 5000);
    run(() -> results.get(id).complete(new JsonObject().put("copied", 1)));
    assertEquals(
        List.of(
            "added 1 WAITING",
            "changed 1 RUNNING",
            "changed 1 RUNNING",
            "changed 1 RUNNING",
            "changed 1 SUCCESS"),
        timeline());
    JsonObject progress = events.get(2).fields().getJsonObject("progress");
    assertEquals(
        new JsonObject()
            .put("percent", 10)
            .put("description", "copying")
            .put("extra", new JsonObject().put("file", "x")),
        progress);
    assertEquals("Copying x", events.get(3).fields().getString("description"));

    JsonObject last = lastFields(id);
    assertEquals(TypedValues.date(T0 + 5000), last.getJsonObject("time_finished"));
    assertEquals(TypedValues.date(T0), last.getJsonObject("time_started"));
    assertEquals(new JsonObject().put("copied", 1), last.getValue("result"));
    assertEquals(
        100,
        last.getJsonObject("progress").getInteger("percent"),
        "a job that reported progress ends at 100");
    assertEquals(new JsonObject().put("copied", 1), await(engine.await(id, Caller.INTERNAL)));

    // Nothing moves a finished job.
    handle.setProgress(50, "late", null);
    handle.setDescription("late");
    run(() -> {});
    assertEquals(5, events.size());

    Snapshot snapshot = await(engine.snapshot());
    assertEquals(List.of(POSITION), snapshot.positions());
    assertEquals(EventMessage.Kind.ADDED, snapshot.items().get(0).kind());
    assertEquals("SUCCESS", snapshot.items().get(0).fields().getString("state"));
  }

  @Test
  void aFailedJobCarriesItsErrorAndAwaitFailsWithIt() {
    JobManager engine = engine(5, 100, 0);
    long id = submit(engine, "core.test");
    run(() -> results.get(id).fail(new CallError(Errno.EIO, "disk full")));
    JsonObject last = lastFields(id);
    assertEquals("FAILED", last.getString("state"));
    assertEquals("disk full", last.getString("error"));
    assertEquals("EIO", last.getJsonObject("exc_info").getString("errname"));
    assertEquals(TypedValues.date(T0), last.getJsonObject("time_finished"));
    Throwable cause = failure(engine.await(id, Caller.INTERNAL));
    assertEquals(Errno.EIO, ((CallError) cause).error.errno());
  }

  @Test
  void abortingAWaitingJobEndsItAtOnceWithoutRunningIt() {
    JobManager engine = engine(1, 100, 0);
    long running = submit(engine, "running");
    long waiting = submit(engine, "waiting");
    clock.set(T0 + 1);
    await(engine.abort(waiting, Caller.INTERNAL));
    JsonObject last = lastFields(waiting);
    assertEquals("ABORTED", last.getString("state"));
    assertEquals(TypedValues.date(T0 + 1), last.getJsonObject("time_finished"));
    assertEquals(
        Errno.EINTR, ((CallError) failure(engine.await(waiting, Caller.INTERNAL))).error.errno());

    run(() -> results.get(running).complete(null));
    assertFalse(handles.containsKey(waiting), "its handler never ran");
    assertEquals(
        List.of(
            "added 1 WAITING",
            "changed 1 RUNNING",
            "added 2 WAITING",
            "changed 2 ABORTED",
            "changed 1 SUCCESS"),
        timeline());
    await(engine.abort(waiting, Caller.INTERNAL)); // a finished job: nothing happens
    assertEquals(5, events.size());
  }

  @Test
  void abortingARunningJobTellsItsHandlerAndEndsItAbortedWhenTheHandlerReturns() {
    JobManager engine = engine(1, 100, 0);
    long id = submit(engine, "running");
    long next = submit(engine, "next");
    JobHandle handle = handles.get(id);
    assertFalse(handle.isAborted());
    await(engine.abort(id, Caller.INTERNAL));
    assertTrue(handle.isAborted());
    assertTrue(handle.abortRequested().isComplete());
    assertEquals("RUNNING", lastFields(id).getString("state"), "running until its handler returns");
    assertFalse(handles.containsKey(next));

    run(() -> results.get(id).complete("finished anyway"));
    assertEquals(
        "ABORTED",
        lastFields(id).getString("state"),
        "an abort was requested: ABORTED, not SUCCESS");
    assertEquals("Job aborted", lastFields(id).getString("error"));
    assertEquals(
        Errno.EINTR, ((CallError) failure(engine.await(id, Caller.INTERNAL))).error.errno());
    assertTrue(handles.containsKey(next), "the slot went to the next job");
  }

  @Test
  void finishedJobsBeyondTheHistoryAreRemoved() {
    JobManager engine = engine(5, 2, 0);
    for (int i = 0; i < 3; i++) {
      long id = submit(engine, "job" + i);
      run(() -> results.get(id).complete(null));
    }
    assertEquals("removed 1", timeline().get(timeline().size() - 1));
    long unfinished = submit(engine, "unfinished");
    assertEquals(
        List.of(2L, 3L, unfinished),
        ids(await(engine.query(new JsonArray(), new JsonObject(), Caller.INTERNAL))));
    assertEquals(
        Errno.ENOENT, ((CallError) failure(engine.await(1, Caller.INTERNAL))).error.errno());

    run(() -> results.get(unfinished).complete(null));
    assertEquals("removed 2", timeline().get(timeline().size() - 1));
    assertEquals(
        1, timeline().stream().filter(e -> e.startsWith("removed 1")).count(), "removed once");
  }

  private static List<Long> ids(Object queried) {
    return ((JsonArray) queried).stream().map(j -> ((JsonObject) j).getLong("id")).toList();
  }

  @Test
  void withoutAnIntervalEveryChangeOfTheWholePercentOrDescriptionIsAnEvent() {
    JobManager engine = engine(5, 100, 0);
    long id = submit(engine, "job");
    JobHandle handle = handles.get(id);
    run(
        () -> {
          handle.setProgress(1.2, "a", null);
          handle.setProgress(1.7, "a", null); // same whole percent, same description: no event
          handle.setProgress(2, "a", null);
          handle.setProgress(2.5, "b", null); // the description changed
          handle.setProgress(2.9, "b", null);
        });
    assertEquals(List.of(1.2, 2, 2.5), progressEvents(id));
  }

  @Test
  void progressWaitsForTheIntervalReadFromTheClock() {
    JobManager engine = engine(5, 100, HOUR);
    long id = submit(engine, "job");
    JobHandle handle = handles.get(id);
    run(() -> handle.setProgress(1, null, null));
    assertEquals(List.of(1), progressEvents(id), "the first goes out at once");

    clock.addAndGet(HOUR);
    run(() -> handle.setProgress(2, null, null));
    assertEquals(List.of(1, 2), progressEvents(id), "an interval later: at once");

    // Within the interval the change waits for a trailing timer (here an hour: it will not fire in
    // this test).
    clock.addAndGet(HOUR - 1);
    run(
        () -> {
          handle.setProgress(3, null, null);
          handle.setProgress(4, null, null);
        });
    assertEquals(List.of(1, 2), progressEvents(id), "too soon");

    // The job ends before the timer: the final changed carries the outcome.
    run(() -> results.get(id).complete(null));
    assertEquals("SUCCESS", lastFields(id).getString("state"));
    assertEquals(100, lastFields(id).getJsonObject("progress").getInteger("percent"));
  }

  @Test
  void aChangeThatCameTooSoonIsSentByTheTrailingTimerWithTheLatestValues() {
    JobManager engine = engine(5, 100, HOUR);
    long id = submit(engine, "job");
    JobHandle handle = handles.get(id);
    run(() -> handle.setProgress(1, "first", null));
    // One millisecond of the interval is left on the clock: the trailing timer is due in 1 ms.
    clock.addAndGet(HOUR - 1);
    run(
        () -> {
          handle.setProgress(2, "second", null);
          handle.setProgress(3, "third", null);
          handle.setProgress(4, "latest", new JsonObject().put("n", 4));
        });
    assertEquals(List.of(1), progressEvents(id), "held back");
    eventually("the trailing progress event", () -> progressEvents(id).size() == 2);
    assertEquals(List.of(1, 4), progressEvents(id), "one trailing event, with the latest values");
    assertEquals("latest", lastFields(id).getJsonObject("progress").getString("description"));

    // The trailing event counts as the last emission: the next change waits a whole interval from
    // it.
    run(() -> handle.setProgress(5, null, null));
    assertEquals(List.of(1, 4), progressEvents(id));
    run(() -> results.get(id).complete(null));
  }
}

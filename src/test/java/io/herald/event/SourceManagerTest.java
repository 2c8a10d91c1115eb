package io.herald.event;

import static io.herald.support.TestNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.SourceFactory;
import io.herald.SourceSink;
import io.herald.StreamPosition;
import io.herald.stream.Attached;
import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SourceManager} on one real Vert.x context with scripted sources: sharing of instances,
 * start and stop, each subscriber's stream (snapshot, then what came after it attached), ends,
 * failures, overrun, forwarders. Every call to the manager runs on its context, as the bridge makes
 * it.
 */
class SourceManagerTest {

  private static final String NAME = "test.source";
  private static final EventDescriptor EVENT = EventDescriptor.source(NAME).build();
  private static final ErrorDict BOOM = ErrorDict.of(Errno.EIO, "boom");

  private static Vertx vertx;
  private Context context;
  private final AtomicInteger running = new AtomicInteger();

  /** Every source the factory created, in order. */
  private final List<Scripted> created = new CopyOnWriteArrayList<>();

  /** What the next source created does when started (by default: starts at once). */
  private Consumer<Scripted> onStart = s -> s.start.complete();

  private final Map<String, SourceFactory> factories = new ConcurrentHashMap<>();

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
    factories.put(
        NAME,
        argument -> {
          Scripted source = new Scripted(argument);
          created.add(source);
          return source;
        });
  }

  /** A source the test drives: its start and each snapshot complete when the test says. */
  private final class Scripted implements EventSource {
    final Object argument;
    final Promise<Void> start = Promise.promise();
    final List<Promise<List<EventMessage>>> snapshots = new CopyOnWriteArrayList<>();

    /** Snapshots complete at once with this, unless null: then they wait in {@link #snapshots}. */
    List<EventMessage> snapshot = List.of();

    SourceSink sink;
    int starts;
    int stops;

    Scripted(Object argument) {
      this.argument = argument;
    }

    @Override
    public Future<Void> start(SourceSink sink) {
      assertTrue(Vertx.currentContext() == context, "started on the manager's context");
      this.sink = sink;
      starts++;
      onStart.accept(this);
      return start.future();
    }

    @Override
    public Future<Void> stop() {
      stops++;
      return Future.succeededFuture();
    }

    @Override
    public Future<List<EventMessage>> snapshot() {
      if (snapshot != null) {
        return Future.succeededFuture(snapshot);
      }
      Promise<List<EventMessage>> promise = Promise.promise();
      snapshots.add(promise);
      return promise.future();
    }
  }

  /** A subscriber that logs what it gets: "ready", the id of each frame, "end" or "end:<errno>". */
  private static final class Log implements SourceSubscriber {
    final List<String> got = new CopyOnWriteArrayList<>();
    final List<JsonObject> frames = new CopyOnWriteArrayList<>();

    @Override
    public String collection() {
      return NAME + ":arg";
    }

    @Override
    public void deliver(byte[] frame, boolean latestValueOnly) {
      JsonObject json = new JsonObject(new String(frame, StandardCharsets.UTF_8));
      frames.add(json);
      got.add(String.valueOf(json.getValue("id")));
    }

    @Override
    public void ended(ErrorDict error) {
      got.add(error == null ? "end" : "end:" + error.errno().name());
    }

    Runnable ready() {
      return () -> got.add("ready");
    }
  }

  private SourceManager manager(int maxHeld) {
    return new SourceManager(context, factories, running, maxHeld);
  }

  private static EventMessage message(Object id) {
    return EventMessage.changed(id, new JsonObject().put("v", id));
  }

  private static JsonObject argument(String json) {
    return new JsonObject(json);
  }

  private <T> T on(Supplier<T> action) {
    return TestNodes.on(context, action);
  }

  private void run(Runnable action) {
    TestNodes.run(context, action);
  }

  /** Subscribes and opens at once (the snapshot is immediate). */
  private Attached subscribeAndOpen(SourceManager manager, Object argument, Log log) {
    Attached attached = await(on(() -> manager.subscribe(EVENT, argument, log)));
    assertTrue(on(() -> attached.open(log.ready())));
    return attached;
  }

  private Throwable failure(Future<?> future) {
    try {
      future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    } catch (Exception e) {
      return future.cause();
    }
    throw new AssertionError("succeeded, expected a failure");
  }

  @Test
  void oneInstancePerCanonicalArgumentStartedByTheFirstAndStoppedAfterTheLast() {
    SourceManager manager = manager(100);
    Log a = new Log();
    Log b = new Log();
    Log c = new Log();
    Attached first = subscribeAndOpen(manager, argument("{\"a\":1,\"b\":2}"), a);
    Attached second = subscribeAndOpen(manager, argument("{ \"b\": 2, \"a\": 1 }"), b);
    assertEquals(1, created.size(), "one instance for both spellings of the argument");
    assertEquals(1, created.get(0).starts);
    assertEquals(1, running.get());

    Attached other = subscribeAndOpen(manager, argument("{\"a\":2,\"b\":2}"), c);
    assertEquals(2, created.size(), "another argument, another instance");
    assertEquals(argument("{\"a\":2,\"b\":2}"), created.get(1).argument);
    assertEquals(2, running.get());

    Scripted shared = created.get(0);
    run(() -> shared.sink.emit(message(1)));
    assertEquals(List.of("ready", "1"), a.got);
    assertEquals(List.of("ready", "1"), b.got);
    assertEquals(List.of("ready"), c.got, "only the subscribers of that argument");

    run(first::release);
    assertEquals(0, shared.stops, "a subscriber is left");
    assertEquals(2, running.get());
    run(second::release);
    run(second::release);
    run(first::release);
    assertEquals(1, shared.stops, "stopped once, after the last left");
    assertEquals(1, running.get());
    run(() -> shared.sink.emit(message(2)));
    assertEquals(List.of("ready", "1"), a.got, "nothing after leaving");

    run(other::release);
    assertEquals(1, created.get(1).stops);
    assertEquals(0, running.get());

    subscribeAndOpen(manager, argument("{\"a\":1,\"b\":2}"), new Log());
    assertEquals(3, created.size(), "a new subscriber after the stop starts a new instance");
    assertEquals(1, running.get());
  }

  @Test
  void aSubscriberGetsItsSnapshotThenEverythingAfterItAttachedAndNothingBefore() {
    SourceManager manager = manager(100);
    Log early = new Log();
    subscribeAndOpen(manager, null, early);
    Scripted source = created.get(0);
    source.snapshot = null; // the late subscriber's snapshot waits
    run(() -> source.sink.emit(message("m1")));
    run(() -> source.sink.emit(message("m2")));

    Log late = new Log();
    Future<Attached> subscribing = on(() -> manager.subscribe(EVENT, null, late));
    run(() -> source.sink.emit(message("m3"))); // while the snapshot is read
    assertFalse(subscribing.isComplete(), "not subscribed before its snapshot is read");
    run(
        () ->
            source.snapshots.get(0).complete(List.of(EventMessage.added("s1", new JsonObject()))));
    Attached attached = await(subscribing);
    run(() -> source.sink.emit(message("m4"))); // after the snapshot, before open
    assertEquals(List.of(), late.got, "nothing flows before open");

    assertTrue(on(() -> attached.open(late.ready())));
    assertEquals(List.of("ready", "s1", "m3", "m4"), late.got);
    assertEquals("added", late.frames.get(0).getString("msg"));
    assertEquals(
        NAME + ":arg", late.frames.get(0).getString("collection"), "frames for its own collection");
    run(() -> source.sink.emit(message("m5")));
    assertEquals(List.of("ready", "s1", "m3", "m4", "m5"), late.got);
    assertEquals(
        List.of("ready", "m1", "m2", "m3", "m4", "m5"),
        early.got,
        "the first subscriber saw it all");
    assertEquals(1, source.starts);
  }

  @Test
  void emissionsFromAnotherThreadArriveInOrder() {
    SourceManager manager = manager(100_000);
    Log log = new Log();
    subscribeAndOpen(manager, null, log);
    SourceSink sink = created.get(0).sink;
    for (int i = 1; i <= 1000; i++) {
      sink.emit(message(i)); // from the test's thread
    }
    run(() -> {}); // the context has run every emission queued before this
    List<String> expected = new ArrayList<>(List.of("ready"));
    for (int i = 1; i <= 1000; i++) {
      expected.add(String.valueOf(i));
    }
    assertEquals(expected, log.got);
  }

  @Test
  void aSourceThatEndsDuringItsStartGivesReadyItsOutputThenTheEnd() {
    onStart =
        s -> {
          s.sink.emit(message("only"));
          s.sink.end();
          s.start.complete();
        };
    SourceManager manager = manager(100);
    Log log = new Log();
    subscribeAndOpen(manager, null, log);
    assertEquals(List.of("ready", "only", "end"), log.got);
    Scripted source = created.get(0);
    assertEquals(1, source.stops);
    assertEquals(0, running.get());
    run(() -> source.sink.emit(message("late")));
    assertEquals(List.of("ready", "only", "end"), log.got, "nothing after the end");
  }

  @Test
  void aFailingStartFailsTheSubscriptionAndStopsTheSource() {
    onStart = s -> s.start.fail(new CallError(Errno.EACCES, "no"));
    SourceManager manager = manager(100);
    Log log = new Log();
    Throwable cause = failure(on(() -> manager.subscribe(EVENT, null, log)));
    assertInstanceOf(CallError.class, cause);
    assertEquals(Errno.EACCES, ((CallError) cause).error.errno());
    assertEquals(List.of(), log.got, "no ready, no end: the failed future tells it");
    Scripted source = created.get(0);
    assertEquals(1, source.stops);
    assertEquals(0, running.get());

    onStart = s -> s.start.complete();
    subscribeAndOpen(manager, null, new Log());
    assertEquals(
        2, created.size(), "the failed instance is gone: the next subscriber gets a new one");
  }

  @Test
  void aFailureReportedDuringTheStartFailsTheSubscription() {
    onStart = s -> s.sink.fail(BOOM); // the start itself never completes
    SourceManager manager = manager(100);
    Throwable cause = failure(on(() -> manager.subscribe(EVENT, null, new Log())));
    assertEquals(Errno.EIO, ((CallError) cause).error.errno());
    assertEquals(0, running.get());
    Scripted source = created.get(0);
    assertEquals(1, source.stops);
    run(source.start::complete);
    assertEquals(1, source.stops, "stopped once, whatever its start does afterwards");
  }

  @Test
  void aFailureAfterTheStartEndsEverySubscriberWithItsError() {
    SourceManager manager = manager(100);
    Log a = new Log();
    Log b = new Log();
    subscribeAndOpen(manager, null, a);
    subscribeAndOpen(manager, null, b);
    Scripted source = created.get(0);
    source.snapshot = null;
    Log pending = new Log();
    Future<Attached> subscribing = on(() -> manager.subscribe(EVENT, null, pending));
    run(() -> source.sink.emit(message("m1")));
    run(() -> source.sink.fail(BOOM));
    assertEquals(List.of("ready", "m1", "end:EIO"), a.got);
    assertEquals(List.of("ready", "m1", "end:EIO"), b.got);
    assertEquals(1, source.stops);
    assertEquals(0, running.get());

    // A subscriber whose snapshot was pending gets the end after its snapshot.
    run(
        () ->
            source.snapshots.get(0).complete(List.of(EventMessage.added("s1", new JsonObject()))));
    Attached attached = await(subscribing);
    assertTrue(on(() -> attached.open(pending.ready())));
    assertEquals(List.of("ready", "s1", "m1", "end:EIO"), pending.got);

    run(() -> source.sink.emit(message("m2")));
    run(source.sink::end);
    assertEquals(List.of("ready", "m1", "end:EIO"), a.got, "nothing after the end");
    assertEquals(1, source.stops);
  }

  @Test
  void aStreamThatOutrunsTheSnapshotCannotBeOpened() {
    SourceManager manager = manager(3);
    Log first = new Log();
    subscribeAndOpen(manager, null, first);
    Scripted source = created.get(0);
    source.snapshot = null;
    Log slow = new Log();
    Future<Attached> subscribing = on(() -> manager.subscribe(EVENT, null, slow));
    for (int i = 1; i <= 4; i++) {
      int n = i;
      run(() -> source.sink.emit(message(n)));
    }
    run(() -> source.snapshots.get(0).complete(List.of()));
    Attached attached = await(subscribing);
    boolean[] readyRan = {false};
    assertFalse(on(() -> attached.open(() -> readyRan[0] = true)));
    assertFalse(readyRan[0]);
    assertEquals(List.of(), slow.got);
    assertEquals(List.of("ready", "1", "2", "3", "4"), first.got, "the others are not affected");

    run(attached::release);
    assertEquals(0, source.stops, "the first subscriber still holds it");
  }

  @Test
  void withinTheLimitTheHeldMessagesAreDelivered() {
    SourceManager manager = manager(3);
    subscribeAndOpen(manager, null, new Log());
    Scripted source = created.get(0);
    source.snapshot = null;
    Log log = new Log();
    Future<Attached> subscribing = on(() -> manager.subscribe(EVENT, null, log));
    for (int i = 1; i <= 3; i++) {
      int n = i;
      run(() -> source.sink.emit(message(n)));
    }
    run(() -> source.snapshots.get(0).complete(List.of()));
    Attached attached = await(subscribing);
    assertTrue(on(() -> attached.open(log.ready())));
    assertEquals(List.of("ready", "1", "2", "3"), log.got);
  }

  @Test
  void anUnknownSourceFailsWithEnoent() {
    SourceManager manager = manager(100);
    EventDescriptor unknown = EventDescriptor.source("test.unknown").build();
    Throwable cause = failure(on(() -> manager.subscribe(unknown, null, new Log())));
    assertEquals(Errno.ENOENT, ((CallError) cause).error.errno());
    assertEquals(0, running.get());
  }

  /** A forwarder that logs each message with its position, and the end's. */
  private static final class Forwarder implements SourceForwarder {
    final List<String> ids = new CopyOnWriteArrayList<>();
    final List<StreamPosition> positions = new CopyOnWriteArrayList<>();

    @Override
    public void forward(EventMessage message, StreamPosition position) {
      ids.add(String.valueOf(message.id()));
      positions.add(position);
    }

    @Override
    public void ended(ErrorDict error, StreamPosition position) {
      ids.add(error == null ? "end" : "end:" + error.errno().name());
      positions.add(position);
    }
  }

  @Test
  void aForwarderGetsConsecutivePositionsOfOneRunAndTheEndAfterTheLast() {
    SourceManager manager = manager(100);
    Log log = new Log();
    subscribeAndOpen(manager, null, log);
    Scripted source = created.get(0);
    run(() -> source.sink.emit(message("before")));

    Forwarder forwarder = new Forwarder();
    SourceManager.Forwarding forwarding = await(on(() -> manager.forward(EVENT, null, forwarder)));
    assertEquals(1, created.size(), "the forwarder shares the running instance");
    StreamPosition joined = on(forwarding::position);
    assertEquals(1, joined.offset(), "one message before it joined");
    run(() -> source.sink.emit(message("a")));
    run(() -> source.sink.emit(message("b")));
    assertEquals(3, on(forwarding::position).offset());
    run(source.sink::end);

    assertEquals(
        List.of("a", "b", "end"), forwarder.ids, "messages, not frames, from its joining on");
    String epoch = joined.epoch();
    assertEquals(
        List.of(
            new StreamPosition(epoch, 2),
            new StreamPosition(epoch, 3),
            new StreamPosition(epoch, 4)),
        forwarder.positions);
    assertEquals(List.of("ready", "before", "a", "b", "end"), log.got);

    // Another run of the stream has another epoch.
    Forwarder next = new Forwarder();
    SourceManager.Forwarding again = await(on(() -> manager.forward(EVENT, null, next)));
    Scripted second = created.get(1);
    run(() -> second.sink.emit(message("c")));
    assertNotEquals(epoch, next.positions.get(0).epoch());
    assertEquals(1, next.positions.get(0).offset());
    run(again::release);
    assertEquals(1, second.stops);
    assertEquals(0, running.get());
  }

  @Test
  void aForwarderAsksForItsSnapshot() {
    SourceManager manager = manager(100);
    Forwarder forwarder = new Forwarder();
    SourceManager.Forwarding forwarding = await(on(() -> manager.forward(EVENT, null, forwarder)));
    Scripted source = created.get(0);
    assertEquals(1, source.starts, "a forwarder alone starts the source");
    source.snapshot = List.of(EventMessage.added("s1", new JsonObject()));
    List<EventMessage> snapshot = await(on(forwarding::snapshot));
    assertSame(source.snapshot, snapshot);
    assertEquals(List.of(), forwarder.ids, "no snapshot unless asked for");
  }
}

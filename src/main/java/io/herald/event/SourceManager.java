package io.herald.event;

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
import io.herald.stream.CatchUp;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares one {@link EventSource} per (event, canonical argument) among its subscribers: started by
 * the first, stopped after the last leaves. Each run of an instance is a positioned stream (its
 * epoch, and its messages counted from 1); a subscriber's stream is the source's snapshot for it,
 * then every message after the position at which it attached, then the end — through one {@link
 * CatchUp} per subscriber until it is opened. A subscriber gets frames for its own collection; a
 * {@link SourceForwarder} (which carries the output to other nodes) gets the messages themselves
 * with their positions. Confined to one context (a bridge verticle's event loop, or the node's
 * {@code SourceHost}); only the sinks handed to sources may be called from other threads.
 */
public final class SourceManager {

  private static final Logger LOG = LoggerFactory.getLogger(SourceManager.class);

  private final Context context;
  private final Map<String, SourceFactory> factories;
  private final AtomicInteger runningGauge;
  private final int maxHeld;
  private final int maxRunning;
  private final Map<String, Instance> instances = new HashMap<>();

  /**
   * @param factories the node's source factories by event name (read concurrently, owned elsewhere)
   * @param runningGauge incremented while an instance runs, for {@code /api/status}
   * @param maxHeld how many messages a subscriber's catch-up holds before it is overrun
   */
  public SourceManager(
      Context context,
      Map<String, SourceFactory> factories,
      AtomicInteger runningGauge,
      int maxHeld) {
    this(context, factories, runningGauge, maxHeld, Integer.MAX_VALUE);
  }

  /**
   * @param maxRunning a new instance is refused (ETOOMANYREFS) while {@code runningGauge} — shared
   *     by every manager of the node — is at this ({@code limits.max-sources-per-node})
   */
  public SourceManager(
      Context context,
      Map<String, SourceFactory> factories,
      AtomicInteger runningGauge,
      int maxHeld,
      int maxRunning) {
    this.context = context;
    this.factories = factories;
    this.runningGauge = runningGauge;
    this.maxHeld = maxHeld;
    this.maxRunning = maxRunning;
  }

  /** A forwarder's hold on an instance. */
  public interface Forwarding {
    /** Leaves the instance; idempotent. */
    void release();

    /**
     * Where the instance's stream stands now: the forwarder has been given every message up to it.
     */
    StreamPosition position();

    /**
     * The source's {@link EventSource#snapshot()}, asked for at once. Call it on the manager's
     * context, right after {@link #position()}: the snapshot then stands at that position.
     */
    Future<List<EventMessage>> snapshot();
  }

  /**
   * Attaches {@code subscriber} to the instance for {@code argument}, starting it when it is the
   * first. Completes once the instance runs and the source's snapshot for the subscriber has been
   * read; opening the result sends {@code ready}, the snapshot, every message the instance emitted
   * since the subscriber attached, and its end if it ended meanwhile. Fails (with a {@link
   * CallError}) when the instance cannot start; the subscriber then holds nothing.
   */
  public Future<Attached> subscribe(
      EventDescriptor event, Object argument, SourceSubscriber subscriber) {
    CatchUp<Runnable> catchUp = CatchUp.singleEpoch(Runnable::run, maxHeld);
    Instance instance;
    StreamPosition attachedAt;
    try {
      instance = instanceFor(event, argument);
      attachedAt = instance.add(subscriber, catchUp);
      instance.begin();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return instance
        .started
        .future()
        .compose(
            v ->
                instance.finished
                    ? Future.succeededFuture(List.<EventMessage>of())
                    : instance.snapshot())
        .transform(
            ar -> {
              if (ar.failed()) {
                instance.leave(subscriber);
                return Future.failedFuture(ar.cause());
              }
              List<Runnable> items = new ArrayList<>();
              ar.result()
                  .forEach(
                      m ->
                          items.add(
                              () -> subscriber.deliver(encode(m, subscriber.collection()), false)));
              return Future.succeededFuture(
                  new Attached() {
                    @Override
                    public boolean open(Runnable ready) {
                      if (catchUp.overrun()) {
                        return false;
                      }
                      ready.run();
                      catchUp.open(items, List.of(attachedAt), () -> {});
                      instance.catchingUp.remove(subscriber);
                      return true;
                    }

                    @Override
                    public void release() {
                      instance.leave(subscriber);
                    }
                  });
            });
  }

  /**
   * As {@link #subscribe}, for a forwarder: it shares the instance with this manager's subscribers,
   * gets every message emitted from its joining on, and no snapshot unless it asks for one.
   */
  public Future<Forwarding> forward(
      EventDescriptor event, Object argument, SourceForwarder forwarder) {
    Forwarded holder = new Forwarded(forwarder);
    Instance instance;
    try {
      instance = instanceFor(event, argument);
      instance.add(holder, null);
      instance.begin();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return instance
        .started
        .future()
        .map(
            v ->
                new Forwarding() {
                  @Override
                  public void release() {
                    instance.leave(holder);
                  }

                  @Override
                  public StreamPosition position() {
                    return instance.position();
                  }

                  @Override
                  public Future<List<EventMessage>> snapshot() {
                    return instance.snapshot();
                  }
                });
  }

  /**
   * The instance for (event, argument): the running one, or a new one to {@link Instance#begin}.
   */
  private Instance instanceFor(EventDescriptor event, Object argument) {
    String key = event.name() + '\u0000' + Argument.canonical(argument);
    Instance instance = instances.get(key);
    if (instance != null) {
      return instance;
    }
    SourceFactory factory = factories.get(event.name());
    if (factory == null) {
      throw new CallError(
          Errno.ENOENT, "Event source '" + event.name() + "' is not available on this node");
    }
    if (runningGauge.get() >= maxRunning) {
      throw new CallError(
          Errno.ETOOMANYREFS,
          "Too many event source instances on this node (limit " + maxRunning + ")");
    }
    instance = new Instance(key, event, factory.create(argument));
    instances.put(key, instance);
    return instance;
  }

  private static byte[] encode(EventMessage message, String collection) {
    return message.toFrame(collection).encode().getBytes(StandardCharsets.UTF_8);
  }

  /** A forwarder among the subscribers: it takes messages, not frames. */
  private record Forwarded(SourceForwarder forwarder) implements SourceSubscriber {
    @Override
    public String collection() {
      return null;
    }

    @Override
    public void deliver(byte[] frame, boolean latestValueOnly) {
      throw new UnsupportedOperationException("a forwarder takes messages");
    }

    @Override
    public void ended(ErrorDict error) {
      throw new UnsupportedOperationException("a forwarder is told the end's position");
    }
  }

  private final class Instance implements SourceSink {
    final String key;
    final EventDescriptor event;
    final EventSource source;
    final String epoch = UUID.randomUUID().toString();
    final Set<SourceSubscriber> subscribers = new LinkedHashSet<>();

    /** Subscribers not opened yet: what the instance sends them is held in their catch-up. */
    final Map<SourceSubscriber, CatchUp<Runnable>> catchingUp = new HashMap<>();

    final Promise<Void> started = Promise.promise();
    long offset;
    boolean begun;
    boolean finished;

    Instance(String key, EventDescriptor event, EventSource source) {
      this.key = key;
      this.event = event;
      this.source = source;
      runningGauge.incrementAndGet();
    }

    StreamPosition position() {
      return new StreamPosition(epoch, offset);
    }

    /**
     * Adds a subscriber (with its catch-up, or none for a forwarder); returns the position it
     * attached at.
     */
    StreamPosition add(SourceSubscriber subscriber, CatchUp<Runnable> catchUp) {
      subscribers.add(subscriber);
      if (catchUp != null) {
        catchingUp.put(subscriber, catchUp);
      }
      return position();
    }

    Future<List<EventMessage>> snapshot() {
      try {
        return source.snapshot();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /**
     * Starts the source, once: after its first subscriber is attached, so that it misses none of
     * the output.
     */
    void begin() {
      if (begun) {
        return;
      }
      begun = true;
      Future<Void> start;
      try {
        start = source.start(this);
      } catch (RuntimeException e) {
        start = Future.failedFuture(e);
      }
      start.onComplete(
          ar -> {
            if (ar.succeeded()) {
              started.tryComplete();
            } else {
              // Subscribers are told through the failed future, not through ended().
              subscribers.clear();
              catchingUp.clear();
              finish();
              started.tryFail(ar.cause());
            }
          });
    }

    void leave(SourceSubscriber subscriber) {
      catchingUp.remove(subscriber);
      if (subscribers.remove(subscriber) && subscribers.isEmpty()) {
        finish();
      }
    }

    /** Removes the instance and stops the source once, after its start has completed either way. */
    void finish() {
      if (finished) {
        return;
      }
      finished = true;
      instances.remove(key, this);
      runningGauge.decrementAndGet();
      started
          .future()
          .onComplete(
              ignored ->
                  source
                      .stop()
                      .onFailure(e -> LOG.warn("event source {} did not stop cleanly", key, e)));
    }

    @Override
    public void emit(EventMessage message) {
      OnContext.run(
          context,
          () -> {
            if (finished) {
              return;
            }
            StreamPosition position = new StreamPosition(epoch, ++offset);
            Map<String, byte[]> frames = new HashMap<>(2);
            for (SourceSubscriber subscriber : new ArrayList<>(subscribers)) {
              if (subscriber instanceof Forwarded forwarded) {
                forwarded.forwarder().forward(message, position);
                continue;
              }
              byte[] frame =
                  frames.computeIfAbsent(subscriber.collection(), c -> encode(message, c));
              CatchUp<Runnable> catchUp = catchingUp.get(subscriber);
              if (catchUp != null) {
                catchUp.offer(position, () -> subscriber.deliver(frame, event.latestValueOnly()));
              } else {
                subscriber.deliver(frame, event.latestValueOnly());
              }
            }
          });
    }

    @Override
    public void end() {
      OnContext.run(context, () -> close(null));
    }

    @Override
    public void fail(ErrorDict error) {
      OnContext.run(context, () -> close(error));
    }

    /**
     * The source ended ({@code error} null) or failed. A failure before the start completed fails
     * the start (the subscribers get {@code nosub}, no {@code ready}); otherwise the end is the
     * last message of every subscriber's stream — after what the source emitted, even during its
     * start.
     */
    private void close(ErrorDict error) {
      if (finished) {
        return;
      }
      List<SourceSubscriber> ending = new ArrayList<>(subscribers);
      Map<SourceSubscriber, CatchUp<Runnable>> pending = new HashMap<>(catchingUp);
      subscribers.clear();
      catchingUp.clear();
      if (error != null && !started.future().isComplete()) {
        finish();
        started.tryFail(new CallError(error));
        return;
      }
      finish();
      StreamPosition end = new StreamPosition(epoch, ++offset);
      for (SourceSubscriber subscriber : ending) {
        CatchUp<Runnable> catchUp = pending.get(subscriber);
        if (subscriber instanceof Forwarded forwarded) {
          forwarded.forwarder().ended(error, end);
        } else if (catchUp != null) {
          catchUp.offer(end, () -> subscriber.ended(error));
        } else {
          subscriber.ended(error);
        }
      }
    }
  }
}

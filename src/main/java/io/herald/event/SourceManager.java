package io.herald.event;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.SourceFactory;
import io.herald.SourceSink;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares one {@link EventSource} per (event, canonical argument) among its subscribers: started by the first,
 * stopped after the last leaves. A subscriber gets frames for its own collection; a {@link SourceForwarder} (which
 * carries the output to other nodes) gets the messages themselves. Confined to one context (a bridge verticle's
 * event loop, or the node's {@code SourceHost}); only the sinks handed to sources may be called from other threads.
 */
public final class SourceManager {

  private static final Logger LOG = LoggerFactory.getLogger(SourceManager.class);

  private final Context context;
  private final Map<String, SourceFactory> factories;
  private final AtomicInteger runningGauge;
  private final Map<String, Instance> instances = new HashMap<>();

  /**
   * @param factories    the node's source factories by event name (read concurrently, owned elsewhere)
   * @param runningGauge incremented while an instance runs, for {@code /api/status}
   */
  public SourceManager(Context context, Map<String, SourceFactory> factories, AtomicInteger runningGauge) {
    this.context = context;
    this.factories = factories;
    this.runningGauge = runningGauge;
  }

  /** A subscriber's hold on an instance. {@link #release} is idempotent. */
  public interface Handle {
    void release();
  }

  /**
   * A forwarder's hold on an instance: {@link #release} as for a subscriber, and snapshots on demand.
   */
  public interface Forwarding extends Handle {
    /**
     * The source's {@link EventSource#snapshot()}, asked for at once. Must be called on the manager's context:
     * then the snapshot is taken after exactly the messages forwarded before this call and before any after it.
     */
    Future<List<EventMessage>> snapshot();
  }

  /**
   * Adds {@code subscriber} to the instance for {@code argument}, starting it when it is the first. Completes
   * when the instance is running; fails (with a {@link CallError}) when it cannot start, in which case the
   * subscriber holds nothing.
   */
  public Future<Handle> subscribe(EventDescriptor event, Object argument, SourceSubscriber subscriber) {
    return join(event, argument, subscriber)
        .compose(joined -> joined.sendSnapshot(subscriber).map(v -> () -> joined.leave(subscriber)));
  }

  /**
   * As {@link #subscribe}, for a forwarder: it shares the instance with this manager's subscribers, gets every
   * message emitted from its joining on, and no snapshot unless it asks for one.
   */
  public Future<Forwarding> forward(EventDescriptor event, Object argument, SourceForwarder forwarder) {
    Forwarded holder = new Forwarded(forwarder);
    return join(event, argument, holder).map(joined -> new Forwarding() {
      @Override
      public void release() {
        joined.leave(holder);
      }

      @Override
      public Future<List<EventMessage>> snapshot() {
        try {
          return joined.source.snapshot();
        } catch (RuntimeException e) {
          return Future.failedFuture(e);
        }
      }
    });
  }

  private Future<Instance> join(EventDescriptor event, Object argument, SourceSubscriber subscriber) {
    String key = event.name() + '\u0000' + Argument.canonical(argument);
    Instance instance = instances.get(key);
    if (instance == null) {
      SourceFactory factory = factories.get(event.name());
      if (factory == null) {
        return Future.failedFuture(new CallError(Errno.ENOENT,
            "Event source '" + event.name() + "' is not available on this node"));
      }
      EventSource source;
      try {
        source = factory.create(argument);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      instance = new Instance(key, event, source);
      instances.put(key, instance);
      instance.subscribers.add(subscriber);
      instance.begin();
    } else {
      instance.subscribers.add(subscriber);
    }
    Instance joined = instance;
    return joined.started.future().map(joined);
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
      forwarder.ended(error);
    }
  }

  private final class Instance implements SourceSink {
    final String key;
    final EventDescriptor event;
    final EventSource source;
    final Set<SourceSubscriber> subscribers = new LinkedHashSet<>();
    final Promise<Void> started = Promise.promise();
    /** Subscribers whose snapshot is pending, with the stream frames held for them meanwhile. */
    final Map<SourceSubscriber, List<byte[]>> holding = new HashMap<>();
    boolean finished;
    /** end() came before start completed: the end is delivered once the subscribers are ready. */
    boolean endedEarly;

    Instance(String key, EventDescriptor event, EventSource source) {
      this.key = key;
      this.event = event;
      this.source = source;
    }

    void begin() {
      runningGauge.incrementAndGet();
      Future<Void> start;
      try {
        start = source.start(this);
      } catch (RuntimeException e) {
        start = Future.failedFuture(e);
      }
      start.onComplete(ar -> {
        if (ar.succeeded()) {
          started.tryComplete();
        } else {
          // Subscribers are told through the failed future, not through ended().
          subscribers.clear();
          finish();
          started.tryFail(ar.cause());
        }
      });
    }

    Future<Void> sendSnapshot(SourceSubscriber subscriber) {
      holding.put(subscriber, new ArrayList<>());
      Future<List<EventMessage>> snapshot;
      try {
        snapshot = source.snapshot();
      } catch (RuntimeException e) {
        snapshot = Future.failedFuture(e);
      }
      return snapshot.transform(ar -> {
        List<byte[]> held = holding.remove(subscriber);
        if (ar.failed()) {
          leave(subscriber);
          return Future.failedFuture(ar.cause());
        }
        if (held != null && subscribers.contains(subscriber)) {
          ar.result().forEach(m -> subscriber.deliver(encode(m, subscriber.collection()), false));
          held.forEach(frame -> subscriber.deliver(frame, event.latestValueOnly()));
        }
        return Future.succeededFuture();
      });
    }

    void leave(SourceSubscriber subscriber) {
      holding.remove(subscriber);
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
      started.future().onComplete(ignored -> source.stop().onFailure(e ->
          LOG.warn("event source {} did not stop cleanly", key, e)));
    }

    @Override
    public void emit(EventMessage message) {
      onContext(() -> {
        if (finished || endedEarly) {
          return;
        }
        Map<String, byte[]> frames = new HashMap<>(2);
        for (SourceSubscriber subscriber : new ArrayList<>(subscribers)) {
          if (subscriber instanceof Forwarded forwarded) {
            forwarded.forwarder().forward(message);
            continue;
          }
          byte[] frame = frames.computeIfAbsent(subscriber.collection(), c -> encode(message, c));
          List<byte[]> held = holding.get(subscriber);
          if (held != null) {
            held.add(frame);
          } else {
            subscriber.deliver(frame, event.latestValueOnly());
          }
        }
      });
    }

    @Override
    public void end() {
      onContext(() -> close(null));
    }

    @Override
    public void fail(ErrorDict error) {
      onContext(() -> close(error));
    }

    private void close(ErrorDict error) {
      if (finished) {
        return;
      }
      if (error == null && !started.future().isComplete()) {
        // A source that finishes before its start completes (a one-shot source) has still produced its output:
        // its subscribers get ready, that output, then nosub without error. A failing start still wins.
        endedEarly = true;
        started.future().onSuccess(v -> context.runOnContext(x -> close(null)));
        return;
      }
      List<SourceSubscriber> ending = new ArrayList<>(subscribers);
      subscribers.clear();
      finish();
      if (started.future().isComplete()) {
        ending.forEach(s -> s.ended(error));
      } else {
        started.tryFail(new CallError(error));
      }
    }

    private byte[] encode(EventMessage message, String collection) {
      return message.toFrame(collection).encode().getBytes(StandardCharsets.UTF_8);
    }

    private void onContext(Runnable action) {
      OnContext.run(context, action);
    }
  }
}

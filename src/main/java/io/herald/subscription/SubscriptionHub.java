package io.herald.subscription;

import io.herald.EventDescriptor;
import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.event.EventRegistry;
import io.herald.status.NodeStats;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broadcast side of a bridge instance: one {@link BusTap} per event, however many local
 * subscribers it has, and the index event → subscribers used to fan a frame out. Confined to one
 * event loop.
 *
 * <p>Each bus message is the wire frame already encoded by its publisher; it is turned into bytes
 * once here and the same bytes are written to every matching socket. A connection receives one copy
 * of an event however many of its subscriptions match it (its exact name, {@code *}, or several
 * subscriptions of either).
 */
public final class SubscriptionHub {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionHub.class);

  /** A subscriber's hold on the hub; {@link #release} is idempotent. */
  public interface Handle {
    void release();
  }

  /** A subscriber's place in the index of one broadcast event. */
  public final class Membership implements Handle {
    private final String event;
    private final BusTap tap;
    private Subscriber subscriber;
    private boolean released;

    private Membership(String event, BusTap tap, Subscriber subscriber) {
      this.event = event;
      this.tap = tap;
      this.subscriber = subscriber;
      exact.computeIfAbsent(event, n -> new SubscriberSet()).add(subscriber);
    }

    /**
     * Hands the place to {@code other} at once: the next message of the event goes to it, none is
     * lost.
     */
    public void moveTo(Subscriber other) {
      if (!released) {
        leave();
        subscriber = other;
        exact.computeIfAbsent(event, n -> new SubscriberSet()).add(other);
      }
    }

    @Override
    public void release() {
      if (!released) {
        released = true;
        leave();
        SubscriptionHub.this.release(tap);
      }
    }

    private void leave() {
      SubscriberSet subscribers = exact.get(event);
      if (subscribers != null && subscribers.remove(subscriber) && subscribers.isEmpty()) {
        exact.remove(event);
      }
    }
  }

  private final Vertx vertx;
  private final EventRegistry registry;
  private final NodeStats stats;
  private final long lingerMs;
  private final Reachability reachability;
  private final Map<String, BusTap> taps = new HashMap<>();
  private final Map<String, SubscriberSet> exact = new HashMap<>();
  private final SubscriberSet wildcard = new SubscriberSet();

  /**
   * Wildcard subscriptions, pending or live; while positive, every wildcard-eligible event is
   * tapped.
   */
  private int wildcardHolds;

  private final List<BusTap> wildcardTaps = new ArrayList<>();
  private final Runnable stopListening;

  public SubscriptionHub(
      Vertx vertx,
      Context context,
      EventRegistry registry,
      NodeStats stats,
      long lingerMs,
      Reachability reachability) {
    this.vertx = vertx;
    this.reachability = reachability;
    this.registry = registry;
    this.stats = stats;
    this.lingerMs = lingerMs;
    this.stopListening = registry.onLearned(event -> context.runOnContext(v -> learned(event)));
  }

  /** Stops following registrations and unregisters every bus consumer. */
  public void close() {
    stopListening.run();
    new ArrayList<>(taps.values()).forEach(this::unregister);
  }

  /**
   * Subscribes to a broadcast event. Completes once the bus consumer is registered cluster-wide, at
   * which point the subscriber is in the index; an event published anywhere after that reaches it.
   */
  public Future<Membership> subscribe(EventDescriptor event, Subscriber subscriber) {
    BusTap tap = acquire(event);
    return tap.ready
        .recover(
            failure -> {
              release(tap);
              return Future.failedFuture(failure);
            })
        .map(v -> new Membership(event.name(), tap, subscriber));
  }

  /**
   * Whether {@code subscriber} currently gets the messages of {@code event}, by name or through
   * {@code *}.
   */
  public boolean receives(EventDescriptor event, Subscriber subscriber) {
    SubscriberSet named = exact.get(event.name());
    return named != null && named.contains(subscriber)
        || event.wildcard() && wildcard.contains(subscriber);
  }

  /** Subscribes to {@code *}: every wildcard-eligible event, including those registered later. */
  public Future<Handle> subscribeWildcard(Subscriber subscriber) {
    if (wildcardHolds++ == 0) {
      for (EventDescriptor event : registry.all()) {
        if (isWildcardEligible(event)) {
          wildcardTaps.add(acquire(event));
        }
      }
    }
    List<Future<Void>> ready = wildcardTaps.stream().map(t -> t.ready).toList();
    return Future.all(ready)
        .recover(
            failure -> {
              dropWildcardHold();
              return Future.failedFuture(failure);
            })
        .map(
            v -> {
              wildcard.add(subscriber);
              return once(
                  () -> {
                    wildcard.remove(subscriber);
                    dropWildcardHold();
                  });
            });
  }

  private void learned(EventDescriptor event) {
    if (wildcardHolds > 0 && isWildcardEligible(event)) {
      wildcardTaps.add(acquire(event));
    }
  }

  private void dropWildcardHold() {
    if (--wildcardHolds == 0) {
      wildcardTaps.forEach(this::release);
      wildcardTaps.clear();
    }
  }

  private static boolean isWildcardEligible(EventDescriptor event) {
    return event.kind() == EventDescriptor.Kind.BROADCAST && event.wildcard();
  }

  private BusTap acquire(EventDescriptor event) {
    BusTap tap = taps.get(event.name());
    if (tap == null) {
      String address = Addresses.event(event.name());
      tap = new BusTap(event, vertx.eventBus().consumer(address));
      BusTap created = tap;
      created.consumer.handler(
          msg -> {
            if (!reachability.onProbe(msg.headers().get(Addresses.PROBE_HEADER))) {
              fanOut(
                  created,
                  msg.body(),
                  msg.headers().get(Addresses.POSITION_HEADER),
                  msg.headers().get(Addresses.OWNER_HEADER));
            }
          });
      created.ready = created.consumer.completion().compose(v -> reachability.confirm(address));
      taps.put(event.name(), created);
      stats.busConsumers.incrementAndGet();
    }
    if (tap.lingerTimer >= 0) {
      vertx.cancelTimer(tap.lingerTimer);
      tap.lingerTimer = -1;
    }
    tap.refs++;
    return tap;
  }

  /**
   * Drops one reference; the consumer is unregistered after the linger unless it is needed again.
   */
  private void release(BusTap tap) {
    if (--tap.refs > 0) {
      return;
    }
    if (lingerMs <= 0) {
      unregister(tap);
    } else {
      tap.lingerTimer =
          vertx.setTimer(
              lingerMs,
              id -> {
                tap.lingerTimer = -1;
                if (tap.refs == 0) {
                  unregister(tap);
                }
              });
    }
  }

  private void unregister(BusTap tap) {
    if (taps.remove(tap.event.name(), tap)) {
      stats.busConsumers.decrementAndGet();
      tap.consumer
          .unregister()
          .onFailure(e -> LOG.warn("unregistering {} failed", tap.event.name(), e));
    }
  }

  /**
   * Writes one message to every subscriber of its event that may receive it: through {@code *} only
   * those whose roles cover the event, and a message that concerns one user ({@code owner}) only to
   * those who may see it.
   */
  private void fanOut(BusTap tap, Object body, String position, String owner) {
    String text;
    if (body instanceof String s) {
      text = s;
    } else if (body instanceof JsonObject json) {
      text = json.encode();
    } else {
      LOG.warn(
          "dropped a message on {}: body must be the encoded frame, got {}",
          tap.event.name(),
          body == null ? "null" : body.getClass().getName());
      return;
    }
    byte[] frame = text.getBytes(StandardCharsets.UTF_8);
    SubscriberSet named = exact.get(tap.event.name());
    if (named != null) {
      for (Subscriber subscriber : named.members()) {
        if (owner == null || subscriber.mayReceive(tap.event, owner)) {
          deliver(subscriber, tap, frame, position);
        }
      }
    }
    if (tap.event.wildcard() && !wildcard.isEmpty()) {
      for (Subscriber subscriber : wildcard.members()) {
        if ((named == null || !named.contains(subscriber))
            && subscriber.mayReceive(tap.event, owner)) {
          deliver(subscriber, tap, frame, position);
        }
      }
    }
  }

  /** One subscriber's failure must not cost the subscribers after it the event. */
  private static void deliver(Subscriber subscriber, BusTap tap, byte[] frame, String position) {
    try {
      subscriber.deliver(frame, tap.coalesceKey, position);
    } catch (RuntimeException e) {
      LOG.error("delivering {} to a subscriber failed", tap.event.name(), e);
    }
  }

  private static Handle once(Runnable release) {
    return new Handle() {
      boolean released;

      @Override
      public void release() {
        if (!released) {
          released = true;
          release.run();
        }
      }
    };
  }
}

package io.herald.subscription;

import static io.herald.support.TestNodes.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.cluster.Membership;
import io.herald.event.EventRegistry;
import io.herald.status.NodeStats;
import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SubscriptionHub} on a standalone Vert.x with a real event registry and no other nodes: bus
 * consumers per event, fan-out to named and wildcard subscribers, release and linger. No node, no
 * sockets: subscribers are recorders, messages are published on the bus as a publisher does.
 */
class SubscriptionHubTest {

  private static final EventDescriptor E = EventDescriptor.broadcast("test.e").build();
  private static final EventDescriptor F = EventDescriptor.broadcast("test.f").build();
  private static final EventDescriptor LATEST =
      EventDescriptor.broadcast("test.latest").latestValueOnly(true).build();
  private static final EventDescriptor UNLISTED =
      EventDescriptor.broadcast("test.unlisted").wildcard(false).build();

  private Vertx vertx;
  private Context context;
  private EventRegistry registry;
  private Reachability reachability;
  private final NodeStats stats = new NodeStats();
  private SubscriptionHub hub;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    registry = new EventRegistry(vertx, Membership.standalone(vertx));
    await(registry.start());
    for (EventDescriptor event : List.of(E, F, LATEST, UNLISTED)) {
      await(registry.register(event));
    }
    reachability = new Reachability(vertx, List::of, 1000, 3);
  }

  @AfterEach
  void stop() {
    if (hub != null) {
      run(hub::close);
    }
    await(vertx.close());
  }

  private SubscriptionHub hub(long lingerMs) {
    hub = on(() -> new SubscriptionHub(vertx, context, registry, stats, lingerMs, reachability));
    return hub;
  }

  /** A subscriber that records every frame, with its coalescing key and position. */
  private static class Recorder implements Subscriber {
    final List<String> frames = new CopyOnWriteArrayList<>();
    final List<byte[]> bytes = new CopyOnWriteArrayList<>();
    final List<Object> keys = new CopyOnWriteArrayList<>();
    final List<String> positions = new CopyOnWriteArrayList<>();

    @Override
    public void deliver(byte[] frame, Object coalesceKey, String position) {
      bytes.add(frame);
      frames.add(new String(frame, StandardCharsets.UTF_8));
      keys.add(coalesceKey);
      positions.add(position);
    }

    boolean has(String frame) {
      return frames.contains(frame);
    }
  }

  private <T> T on(Supplier<T> action) {
    return TestNodes.on(context, action);
  }

  private void run(Runnable action) {
    TestNodes.run(context, action);
  }

  /** Polls {@code condition} until it holds, failing after 10 s. */
  private static void eventually(String what, BooleanSupplier condition) {
    TestNodes.eventually(10_000, what, condition);
  }

  private SubscriptionHub.Membership subscribe(EventDescriptor event, Subscriber subscriber) {
    return await(on(() -> hub.subscribe(event, subscriber)));
  }

  private SubscriptionHub.Handle subscribeWildcard(Subscriber subscriber) {
    return await(on(() -> hub.subscribeWildcard(subscriber)));
  }

  private void publish(EventDescriptor event, Object body) {
    vertx.eventBus().publish(Addresses.event(event.name()), body);
  }

  /** Publishes {@code frames} in order, then waits until each of {@code to} has the last one. */
  private void publishAndWait(EventDescriptor event, List<String> frames, Recorder... to) {
    frames.forEach(f -> publish(event, f));
    String last = frames.get(frames.size() - 1);
    for (Recorder recorder : to) {
      eventually("the last frame reached every subscriber", () -> recorder.has(last));
    }
  }

  /**
   * Whether a consumer of {@code event} is registered on the bus: a request finds a handler, or
   * none.
   */
  private boolean consumerRegistered(EventDescriptor event) {
    try {
      vertx
          .eventBus()
          .request(Addresses.event(event.name()), "{}", new DeliveryOptions().setSendTimeout(300))
          .await(10, TimeUnit.SECONDS);
      throw new AssertionError("the hub's consumer never replies");
    } catch (ReplyException e) {
      return e.failureType() != ReplyFailure.NO_HANDLERS;
    } catch (TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void oneBusConsumerPerEventHoweverManySubscribers() {
    hub(0);
    for (int i = 0; i < 5; i++) {
      subscribe(E, new Recorder());
    }
    assertEquals(1, stats.busConsumers.get());
    subscribe(F, new Recorder());
    assertEquals(2, stats.busConsumers.get());
    subscribeWildcard(
        new Recorder()); // taps every wildcard event: E and F already, LATEST new, not UNLISTED
    subscribeWildcard(new Recorder());
    assertEquals(3, stats.busConsumers.get());
  }

  @Test
  void aSubscriberGetsOneCopyWhetherItSubscribedByNameOrThroughTheWildcardOrBoth() {
    hub(0);
    Recorder both = new Recorder();
    Recorder named = new Recorder();
    Recorder wild = new Recorder();
    subscribe(E, both);
    subscribe(E, both);
    subscribeWildcard(both);
    subscribeWildcard(both);
    subscribe(E, named);
    subscribeWildcard(wild);
    publishAndWait(E, List.of("m1", "m2"), both, named, wild);
    assertEquals(List.of("m1", "m2"), both.frames);
    assertEquals(List.of("m1", "m2"), named.frames);
    assertEquals(List.of("m1", "m2"), wild.frames);
    assertTrue(on(() -> hub.receives(E, both)));
    assertFalse(on(() -> hub.receives(F, named)));
    assertTrue(on(() -> hub.receives(F, wild)));
    assertFalse(
        on(() -> hub.receives(UNLISTED, wild)),
        "an event kept out of * is not received through it");
  }

  @Test
  void releasingOneOfTwoSubscriptionsOfASubscriberKeepsTheOther() {
    hub(0);
    Recorder twice = new Recorder();
    SubscriptionHub.Membership first = subscribe(E, twice);
    subscribe(E, twice);
    run(first::release);
    run(first::release);
    publishAndWait(E, List.of("m1"), twice);
    assertEquals(List.of("m1"), twice.frames);
    assertEquals(1, stats.busConsumers.get());
  }

  @Test
  void theWildcardPicksUpEventsRegisteredLater() {
    hub(0);
    Recorder wild = new Recorder();
    SubscriptionHub.Handle handle = subscribeWildcard(wild);
    assertEquals(3, stats.busConsumers.get()); // E, F, LATEST
    EventDescriptor hidden =
        EventDescriptor.broadcast("test.later.unlisted").wildcard(false).build();
    EventDescriptor later = EventDescriptor.broadcast("test.later").build();
    await(registry.register(hidden));
    await(registry.register(later));
    eventually("a consumer for the new event", () -> stats.busConsumers.get() == 4);
    publishAndWait(later, List.of("new"), wild);
    assertEquals(List.of("new"), wild.frames);

    run(handle::release);
    assertEquals(
        0, stats.busConsumers.get(), "the last wildcard subscriber released every tap it took");
    assertFalse(consumerRegistered(later));
  }

  @Test
  void releasingTheLastSubscriberUnregistersTheConsumerAtOnceWithoutLinger() {
    hub(0);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    SubscriptionHub.Membership ma = subscribe(E, a);
    SubscriptionHub.Membership mb = subscribe(E, b);
    assertTrue(consumerRegistered(E));
    run(ma::release);
    assertEquals(1, stats.busConsumers.get());
    run(mb::release);
    assertEquals(0, stats.busConsumers.get());
    assertFalse(consumerRegistered(E));
    assertFalse(on(() -> hub.receives(E, b)));
  }

  @Test
  void withALingerTheConsumerOutlivesItsLastSubscriberAndIsReusedWithinIt() {
    long linger = 300;
    hub(linger);
    SubscriptionHub.Membership held = subscribe(E, new Recorder());
    // Released and taken again in one turn: the linger timer is cancelled.
    int[] lingering = new int[1];
    SubscriptionHub.Membership again =
        await(
            on(
                () -> {
                  held.release();
                  lingering[0] = stats.busConsumers.get();
                  return hub.subscribe(E, new Recorder());
                }));
    assertEquals(1, lingering[0], "still registered while it lingers");
    assertEquals(1, stats.busConsumers.get(), "the lingering consumer is reused, not a second one");

    // A later linger on another event: once it has run out, the cancelled one would have run out
    // too.
    SubscriptionHub.Membership f = subscribe(F, new Recorder());
    run(f::release);
    eventually("F's consumer lingered and went", () -> stats.busConsumers.get() == 1);
    assertTrue(consumerRegistered(E), "E's consumer outlived the linger it was reclaimed in");

    run(again::release);
    assertEquals(1, stats.busConsumers.get(), "lingering");
    eventually("E's consumer lingered and went", () -> stats.busConsumers.get() == 0);
    assertFalse(consumerRegistered(E));
  }

  @Test
  void aSubscriberThatThrowsDoesNotCostTheOthersTheMessage() {
    hub(0);
    Recorder before = new Recorder();
    Recorder thrower =
        new Recorder() {
          @Override
          public void deliver(byte[] frame, Object coalesceKey, String position) {
            super.deliver(frame, coalesceKey, position);
            throw new IllegalStateException("a broken subscriber (expected by the test)");
          }
        };
    Recorder after = new Recorder();
    Recorder wild = new Recorder();
    subscribe(E, before);
    subscribe(E, thrower);
    subscribeWildcard(thrower);
    subscribe(E, after);
    subscribeWildcard(wild);
    publishAndWait(E, List.of("m1", "m2"), before, after, wild, thrower);
    assertEquals(List.of("m1", "m2"), before.frames);
    assertEquals(List.of("m1", "m2"), after.frames);
    assertEquals(List.of("m1", "m2"), wild.frames);
    assertEquals(List.of("m1", "m2"), thrower.frames);
  }

  @Test
  void framesAreTheBusBodysBytesSharedByEverySubscriber() {
    hub(0);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    subscribe(E, a);
    subscribeWildcard(b);
    String text = "{\"msg\":\"changed\",\"collection\":\"test.e\",\"fields\":{\"s\":\"é ✓ 𝄞\"}}";
    vertx
        .eventBus()
        .publish(
            Addresses.event(E.name()),
            text,
            new DeliveryOptions().addHeader(Addresses.POSITION_HEADER, "node@7"));
    eventually("delivered", () -> a.frames.size() == 1 && b.frames.size() == 1);
    assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), a.bytes.get(0));
    assertSame(a.bytes.get(0), b.bytes.get(0), "encoded once, the same array for every subscriber");
    assertEquals("node@7", a.positions.get(0));
    assertNull(a.keys.get(0), "an ordinary event is never coalesced");

    JsonObject json = new JsonObject().put("msg", "changed").put("collection", "test.e");
    publish(E, json); // a JSON body is taken as the frame too
    publish(E, 42); // not a frame: dropped
    vertx
        .eventBus()
        .publish(
            Addresses.event(E.name()),
            "",
            new DeliveryOptions()
                .addHeader(Addresses.PROBE_HEADER, "token")); // a probe: never delivered
    publishAndWait(E, List.of("last"), a);
    assertEquals(List.of(text, json.encode(), "last"), a.frames);
    assertNull(a.positions.get(2));
  }

  @Test
  void aLatestValueOnlyEventCarriesOneCoalescingKeyForAllItsFrames() {
    hub(0);
    Recorder a = new Recorder();
    subscribe(LATEST, a);
    publishAndWait(LATEST, List.of("v1", "v2"), a);
    assertNotNull(a.keys.get(0));
    assertEquals(a.keys.get(0), a.keys.get(1));
  }

  @Test
  void aMovedMembershipDeliversToItsNewSubscriber() {
    hub(0);
    Recorder from = new Recorder();
    Recorder to = new Recorder();
    SubscriptionHub.Membership membership = subscribe(E, from);
    run(() -> membership.moveTo(to));
    publishAndWait(E, List.of("m1"), to);
    assertEquals(List.of(), from.frames);
    run(membership::release);
    assertEquals(0, stats.busConsumers.get());
  }
}

package io.herald.remote;

import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.StreamPosition;
import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.event.SourceSubscriber;
import io.herald.stream.Attached;
import io.herald.stream.CatchUp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bridge's view of one instance run by another node (or by this node's {@link SourceHost}): the
 * one bus consumer of the instance's address, and the bridge's subscriptions to it ({@link
 * Member}s), to which each message is fanned out, encoded once per distinct collection. Confined to
 * the bridge's event loop.
 *
 * <p>No gap, no duplicate: each member offers every message, from its creation on, to its {@link
 * CatchUp} (one epoch: messages of an earlier or later run of the instance are not its own); the
 * join's answer is its snapshot and the position it stands at; opening the member delivers the
 * snapshot and every message after that position — as {@link io.herald.event.SourceManager} does
 * locally. The consumer is live (registered, and reached by the owner's publications) before any
 * join is sent, so every message published after a join reaches it.
 */
final class RemoteStream {

  final String owner;
  final String key;
  final EventDescriptor event;
  final String address;

  /** Completes when the owner's publications reach the consumer. */
  final Future<Void> ready;

  private final MessageConsumer<JsonObject> consumer;
  private final List<Member> members = new ArrayList<>();
  private final Runnable onEmpty;
  private final AtomicInteger consumers;
  private boolean closed;

  /**
   * @param consumers counts the node's bus consumers (this one while registered)
   * @param onEmpty run once, when the last member has gone and the consumer is unregistered
   */
  RemoteStream(
      Vertx vertx,
      Reachability reachability,
      String owner,
      String key,
      EventDescriptor event,
      AtomicInteger consumers,
      Runnable onEmpty) {
    this.owner = owner;
    this.consumers = consumers;
    this.key = key;
    this.event = event;
    this.onEmpty = onEmpty;
    this.address = Addresses.sourceStream(owner, key);
    this.consumer =
        vertx
            .eventBus()
            .consumer(
                address,
                msg -> {
                  if (!reachability.onProbe(msg.headers().get(Addresses.PROBE_HEADER))) {
                    receive(msg.body());
                  }
                });
    consumers.incrementAndGet();
    this.ready = consumer.completion().compose(v -> reachability.confirm(address, List.of(owner)));
  }

  Member add(SourceSubscriber subscriber, String hold, int maxHeld) {
    Member member = new Member(subscriber, hold, maxHeld);
    members.add(member);
    return member;
  }

  boolean isEmpty() {
    return members.isEmpty();
  }

  /** Every member ends: pending ones fail with {@code error}, live ones get it as their end. */
  void lost(ErrorDict error) {
    for (Member member : new ArrayList<>(members)) {
      if (member.pending) {
        member.fail(new io.herald.CallError(error));
      } else {
        member.end(error);
      }
    }
  }

  private void receive(JsonObject body) {
    StreamPosition position = RemoteProtocol.position(body);
    JsonObject json = body.getJsonObject("message");
    EventMessage message = json == null ? null : EventMessage.fromFrame(json);
    ErrorDict end = json == null ? RemoteProtocol.errorOf(body) : null;
    // Encoded once per collection, when a member delivers it.
    Map<String, byte[]> frames = new HashMap<>(2);
    for (Member member : new ArrayList<>(members)) {
      member.catchUp.offer(
          position,
          message == null
              ? () -> member.end(end)
              : () ->
                  member.subscriber.deliver(
                      frames.computeIfAbsent(
                          member.subscriber.collection(), c -> encode(message, c)),
                      event.latestValueOnly()));
    }
  }

  private void remove(Member member) {
    if (members.remove(member) && members.isEmpty() && !closed) {
      closed = true;
      consumer.unregister();
      consumers.decrementAndGet();
      onEmpty.run();
    }
  }

  private static byte[] encode(EventMessage message, String collection) {
    return message.toFrame(collection).encode().getBytes(StandardCharsets.UTF_8);
  }

  /** One subscription to the instance. */
  final class Member {
    final SourceSubscriber subscriber;
    final String hold;
    final Promise<Attached> result = Promise.promise();
    final CatchUp<Runnable> catchUp;
    boolean joinSent;
    private boolean pending = true;
    private boolean finished;

    private Member(SourceSubscriber subscriber, String hold, int maxHeld) {
      this.subscriber = subscriber;
      this.hold = hold;
      this.catchUp = CatchUp.singleEpoch(Runnable::run, maxHeld);
    }

    boolean finished() {
      return finished;
    }

    /**
     * The join was answered with the snapshot and its position: the subscription, to be opened.
     * {@code leave} tells the owner the subscription left.
     */
    Attached joined(JsonObject reply, Runnable leave) {
      pending = false;
      StreamPosition at = RemoteProtocol.position(reply);
      List<Runnable> items = new ArrayList<>();
      RemoteProtocol.items(reply)
          .forEach(
              item ->
                  items.add(
                      () -> subscriber.deliver(encode(item, subscriber.collection()), false)));
      return new Attached() {
        @Override
        public boolean open(Runnable ready) {
          if (finished || catchUp.overrun()) {
            return false;
          }
          ready.run();
          catchUp.open(items, List.of(at), () -> {});
          return true;
        }

        @Override
        public void release() {
          if (!finished) {
            leave();
            leave.run();
          }
        }
      };
    }

    /** Leaves the stream without a word to the subscriber (released, redirected or failed). */
    void leave() {
      finished = true;
      remove(this);
    }

    /** The subscription failed before it was live. */
    void fail(Throwable failure) {
      leave();
      result.tryFail(failure);
    }

    /** The instance ended ({@code error} null) or failed, or its node was lost. */
    void end(ErrorDict error) {
      if (!finished) {
        leave();
        subscriber.ended(error);
      }
    }
  }
}

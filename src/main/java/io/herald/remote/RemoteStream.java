package io.herald.remote;

import io.herald.bus.Addresses;
import io.herald.bus.Reachability;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.event.SourceManager;
import io.herald.event.SourceSubscriber;
import io.herald.ErrorDict;
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
 * A bridge's view of one instance run by another node (or by this node's {@link SourceHost}): the one bus
 * consumer of the instance's address, and the bridge's subscriptions to it ({@link Member}s), to which each
 * message is fanned out, encoded once per distinct collection. Confined to the bridge's event loop.
 *
 * <p>No gap, no duplicate: a member holds every message from its creation until its join is answered; then it
 * delivers the held messages after {@code joined} up to {@code after}, the snapshot, the held messages after
 * {@code after}, and from then on each message newer than the last it delivered — as {@link SourceManager} does
 * locally. The consumer is live (registered, and reached by the owner's publications) before any join is sent,
 * so every message published after a join reaches it.
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
   * @param onEmpty   run once, when the last member has gone and the consumer is unregistered
   */
  RemoteStream(Vertx vertx, Reachability reachability, String self, String owner, String key, EventDescriptor event,
               AtomicInteger consumers, Runnable onEmpty) {
    this.owner = owner;
    this.consumers = consumers;
    this.key = key;
    this.event = event;
    this.onEmpty = onEmpty;
    this.address = Addresses.sourceStream(owner, key);
    this.consumer = vertx.eventBus().consumer(address, msg -> {
      if (!reachability.onProbe(msg.headers().get(Addresses.PROBE_HEADER))) {
        receive(msg.body());
      }
    });
    consumers.incrementAndGet();
    this.ready = consumer.completion()
        .compose(v -> reachability.confirm(address, owner.equals(self) ? List.of() : List.of(owner)));
  }

  Member add(SourceSubscriber subscriber, String hold) {
    Member member = new Member(subscriber, hold);
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
    JsonObject json = body.getJsonObject("message");
    EventMessage message = json == null ? null : EventMessage.fromFrame(json);
    Map<String, byte[]> frames = new HashMap<>(2);
    for (Member member : new ArrayList<>(members)) {
      member.receive(body, message, frames);
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
    final Promise<SourceManager.Handle> result = Promise.promise();
    boolean joinSent;
    private boolean pending = true;
    private List<JsonObject> held = new ArrayList<>();
    private String epoch;
    private long last;
    private boolean finished;

    private Member(SourceSubscriber subscriber, String hold) {
      this.subscriber = subscriber;
      this.hold = hold;
    }

    boolean finished() {
      return finished;
    }

    private void receive(JsonObject body, EventMessage message, Map<String, byte[]> frames) {
      if (finished) {
        return;
      }
      if (pending) {
        held.add(body);
      } else if (epoch.equals(body.getString("epoch"))) {
        if (message == null) {
          end(RemoteProtocol.errorOf(body));
        } else {
          deliver(body.getLong("seq"), message, frames);
        }
      }
    }

    private void deliver(long seq, EventMessage message, Map<String, byte[]> frames) {
      if (seq > last) {
        last = seq;
        byte[] frame = frames == null ? encode(message, subscriber.collection())
            : frames.computeIfAbsent(subscriber.collection(), c -> encode(message, c));
        subscriber.deliver(frame, event.latestValueOnly());
      }
    }

    /**
     * The join was answered: delivers what was held around the snapshot and goes live. Returns the end that
     * arrived meanwhile — to be delivered after {@code ready} — as a one-element list, else an empty list.
     */
    List<ErrorDict> live(JsonObject joined) {
      epoch = joined.getString("epoch");
      long after = joined.getLong("after");
      last = joined.getLong("joined");
      pending = false;
      List<JsonObject> early = held;
      held = null;
      for (JsonObject body : early) {
        if (epoch.equals(body.getString("epoch")) && body.containsKey("message") && body.getLong("seq") <= after) {
          deliver(body.getLong("seq"), EventMessage.fromFrame(body.getJsonObject("message")), null);
        }
      }
      RemoteProtocol.items(joined).forEach(item -> subscriber.deliver(encode(item, subscriber.collection()), false));
      last = Math.max(last, after);
      for (JsonObject body : early) {
        if (epoch.equals(body.getString("epoch"))) {
          if (!body.containsKey("message")) {
            return java.util.Collections.singletonList(RemoteProtocol.errorOf(body));
          }
          deliver(body.getLong("seq"), EventMessage.fromFrame(body.getJsonObject("message")), null);
        }
      }
      return List.of();
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

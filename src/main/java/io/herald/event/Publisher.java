package io.herald.event;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Published;
import io.herald.Registration;
import io.herald.StreamPosition;
import io.herald.bus.Addresses;
import io.herald.history.History;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's publications of broadcast events. Each event's publications from this node form one
 * stream whose epoch is the node id: the n-th publication is at offset n, carried in {@link
 * Addresses#POSITION_HEADER}, so that a snapshot taken at a position can tell which messages it
 * already reflects.
 *
 * <p>A publication of an event that keeps a history ({@link EventDescriptor#keepsHistory}) is
 * recorded in the cluster's {@link History} too, in the background (see there).
 */
public final class Publisher {

  private final Vertx vertx;
  private final EventRegistry events;
  private final History history;
  private final String epoch;
  private final Map<String, AtomicLong> offsets = new ConcurrentHashMap<>();

  public Publisher(Vertx vertx, EventRegistry events, History history, String nodeId) {
    this.vertx = vertx;
    this.events = events;
    this.history = history;
    this.epoch = nodeId;
  }

  /**
   * Publishes {@code message} of a registered broadcast event: the frame is encoded here, once, and
   * the bus carries it as a string. The position is taken when this is called (before the possibly
   * asynchronous lookup), so positions follow the order of the calls. Completes with that position
   * once the message is on the bus.
   */
  public Future<StreamPosition> publish(String event, EventMessage message) {
    StreamPosition position =
        new StreamPosition(
            epoch, offsets.computeIfAbsent(event, e -> new AtomicLong()).incrementAndGet());
    return events
        .lookup(event)
        .compose(
            descriptor -> {
              if (descriptor == null) {
                return Future.failedFuture(
                    new CallError(Errno.ENOENT, "Event '" + event + "' does not exist"));
              }
              if (descriptor.kind() != EventDescriptor.Kind.BROADCAST) {
                return Future.failedFuture(
                    new CallError(
                        Errno.EINVAL,
                        "Event '" + event + "' is produced by its source, not published"));
              }
              DeliveryOptions options =
                  new DeliveryOptions().addHeader(Addresses.POSITION_HEADER, position.toString());
              if (message.owner() != null) {
                options.addHeader(Addresses.OWNER_HEADER, message.owner());
              }
              String frame = message.toFrame(event).encode();
              vertx.eventBus().publish(Addresses.event(event), frame, options);
              if (descriptor.keepsHistory()) {
                history.record(descriptor, position, frame, message.owner());
              }
              return Future.succeededFuture(position);
            });
  }

  /**
   * Receives every message of {@code event} published on any node, with its position; probes (see
   * {@link io.herald.bus.Reachability}) are not messages. Completes once the consumer is
   * registered.
   */
  public Future<Registration> consume(String event, Handler<Published> handler) {
    MessageConsumer<String> consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.event(event),
                msg -> {
                  if (msg.headers().get(Addresses.PROBE_HEADER) == null) {
                    handler.handle(
                        new Published(
                            EventMessage.fromFrame(new JsonObject(msg.body()))
                                .withOwner(msg.headers().get(Addresses.OWNER_HEADER)),
                            StreamPosition.parse(msg.headers().get(Addresses.POSITION_HEADER))));
                  }
                });
    return consumer.completion().map(v -> consumer::unregister);
  }

  /** The position of this node's last publication of {@code event} (offset 0 before the first). */
  public StreamPosition position(String event) {
    AtomicLong offset = offsets.get(event);
    return new StreamPosition(epoch, offset == null ? 0 : offset.get());
  }
}

package io.herald.session;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.Snapshot;
import io.herald.SnapshotProvider;
import io.herald.StreamPosition;
import io.herald.history.History;
import io.herald.history.HistoryPosition;
import io.herald.history.Recovery;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.Positions;
import io.herald.stream.Attached;
import io.herald.stream.CatchUp;
import io.herald.subscription.Subscriber;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The two ways a connection's subscription to a broadcast event opens on something before the live
 * stream: its current items (a snapshot), or what the client missed since a position (the event's
 * history). Both take the subscription's place in the hub first and hold the live messages in a
 * {@link CatchUp} while they read, so that nothing is lost or given twice. Confined to the
 * connection's event loop.
 */
final class Openings {

  private final SessionServices services;
  private final Subscriber connection;
  private final Context context;
  private final Supplier<Caller> caller;
  private final BiConsumer<byte[], Object> sendEvent;

  /**
   * @param sendEvent writes an event frame (with its coalescing key, or null) as the connection's
   *     dialect sends it
   */
  Openings(
      SessionServices services,
      Subscriber connection,
      Context context,
      Supplier<Caller> caller,
      BiConsumer<byte[], Object> sendEvent) {
    this.services = services;
    this.connection = connection;
    this.context = context;
    this.caller = caller;
    this.sendEvent = sendEvent;
  }

  private void sendEvent(byte[] frame, Object coalesceKey) {
    sendEvent.accept(frame, coalesceKey);
  }

  /**
   * Snapshot, then stream: the subscription's place in the hub is taken first, its messages held by
   * a {@link CatchUp}; then the snapshot is read; opening sends its items as {@code added}, {@code
   * ready}, the held messages newer than the snapshot, and from then on the live stream — no gap
   * and no duplicate. With {@code positions}, {@code ready} carries where the snapshot stands and
   * every later message the position the client has seen (the CatchUp then stays in the path).
   */
  Future<Attached> snapshot(Subscription sub, EventDescriptor descriptor, boolean positions) {
    SnapshotProvider provider = services.producers().snapshot(descriptor.name());
    if (provider == null) {
      return Subscriptions.noSnapshot(descriptor.name());
    }
    CatchUp<Runnable> catchUp = CatchUp.of(Runnable::run, CatchUp.MAX_HELD);
    HistoryPosition[] seen = {HistoryPosition.EMPTY};
    Subscriber held =
        new Subscriber() {
          @Override
          public void deliver(byte[] frame, Object coalesceKey, String position) {
            StreamPosition at = StreamPosition.parse(position);
            catchUp.offer(
                at,
                positions
                    ? () -> {
                      seen[0] = seen[0].with(at);
                      sendEvent(Positions.stamp(frame, seen[0].encode()), null);
                    }
                    : () -> {
                      // Not sent when, by then, the connection gets the event through another of
                      // its subscriptions: it has had it already.
                      if (!services.hub().receives(descriptor, connection)) {
                        sendEvent(frame, coalesceKey);
                      }
                    });
          }

          @Override
          public boolean mayReceive(EventDescriptor event, String owner) {
            return connection.mayReceive(event, owner);
          }
        };
    return services
        .hub()
        .subscribe(descriptor, held)
        .compose(
            membership ->
                OnContext.on(context, provider.snapshot())
                    .transform(
                        ar -> {
                          if (ar.failed()) {
                            membership.release();
                            return Future.failedFuture(ar.cause());
                          }
                          Snapshot snapshot = ar.result();
                          List<Runnable> items = new ArrayList<>();
                          // Items concerning one user go only to a subscriber who may see them.
                          Caller viewer = caller.get();
                          snapshot.items().stream()
                              .filter(item -> viewer.maySee(descriptor.roles(), item.owner()))
                              .forEach(
                                  item ->
                                      items.add(
                                          () ->
                                              sendEvent(
                                                  item.toFrame(descriptor.name())
                                                      .encode()
                                                      .getBytes(StandardCharsets.UTF_8),
                                                  null)));
                          return Future.succeededFuture(
                              new Attached() {
                                @Override
                                public boolean open(Runnable ready) {
                                  Runnable readyAt =
                                      positions
                                          ? () -> {
                                            seen[0] = HistoryPosition.of(snapshot.positions());
                                            sub.readyDetails =
                                                new JsonObject().put("position", seen[0].encode());
                                            ready.run();
                                          }
                                          : ready;
                                  if (!catchUp.open(items, snapshot.positions(), readyAt)) {
                                    return false;
                                  }
                                  if (!positions) {
                                    membership.moveTo(connection);
                                  }
                                  return true;
                                }

                                @Override
                                public void release() {
                                  membership.release();
                                }
                              });
                        }));
  }

  /** A message of a subscription with positions: where it stands, its frame, whom it concerns. */
  private record Positioned(StreamPosition position, byte[] frame, String owner) {}

  /**
   * A subscription with positions, and perhaps since a position: its place in the hub is taken
   * first, the live messages held by a {@link CatchUp}; then what the client missed is read from
   * the event's history (with {@code since}) or only where the history stands; opening sends the
   * missed messages, {@code ready} (with {@code position}, and {@code recovered}), the held
   * messages newer than what was read, and from then on the live stream — each message with the
   * position the client has seen once it has it. The CatchUp stays in the path: it numbers every
   * message.
   */
  Future<Attached> resume(
      Subscription sub, EventDescriptor descriptor, ClientMessage.Resume resume) {
    HistoryPosition since;
    try {
      since = resume.since() == null ? null : HistoryPosition.parse(resume.since());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          new CallError(
              ErrorDict.validation(
                  descriptor.name() + ".since", "not a position this server gave")));
    }
    HistoryPosition[] seen = {since == null ? HistoryPosition.EMPTY : since};
    Caller viewer = caller.get();
    CatchUp<Positioned> catchUp =
        CatchUp.of(
            m -> {
              seen[0] = seen[0].with(m.position());
              // History entries carry their owner; live ones were filtered by the hub already.
              if (viewer.maySee(descriptor.roles(), m.owner())) {
                sendEvent(Positions.stamp(m.frame(), seen[0].encode()), null);
              }
            },
            CatchUp.MAX_HELD);
    Subscriber held =
        new Subscriber() {
          @Override
          public void deliver(byte[] frame, Object coalesceKey, String position) {
            StreamPosition at = StreamPosition.parse(position);
            catchUp.offer(at, new Positioned(at, frame, null));
          }

          @Override
          public boolean mayReceive(EventDescriptor event, String owner) {
            return connection.mayReceive(event, owner);
          }
        };
    History history = services.history();
    return services
        .hub()
        .subscribe(descriptor, held)
        .compose(
            membership ->
                OnContext.on(
                        context,
                        since == null
                            ? history
                                .current(descriptor)
                                .map(at -> new Recovery(List.of(), true, at))
                            : history.since(descriptor, since))
                    .transform(
                        ar -> {
                          if (ar.failed()) {
                            membership.release();
                            return Future.failedFuture(ar.cause());
                          }
                          Recovery recovery = ar.result();
                          List<Positioned> missed = new ArrayList<>();
                          recovery
                              .missed()
                              .forEach(
                                  r ->
                                      missed.add(
                                          new Positioned(
                                              r.position(),
                                              r.frame().getBytes(StandardCharsets.UTF_8),
                                              r.owner())));
                          return Future.succeededFuture(
                              new Attached() {
                                @Override
                                public boolean open(Runnable ready) {
                                  return catchUp.open(
                                      missed,
                                      recovery.at().positions(),
                                      () -> {
                                        // Before the subscription, or missed and read: seen.
                                        seen[0] = seen[0].merge(recovery.at());
                                        JsonObject details =
                                            new JsonObject().put("position", seen[0].encode());
                                        if (since != null) {
                                          details.put("recovered", recovery.recovered());
                                        }
                                        sub.readyDetails = details;
                                        ready.run();
                                      });
                                }

                                @Override
                                public void release() {
                                  membership.release();
                                }
                              });
                        }));
  }
}

package io.herald.subscription;

import io.herald.EventDescriptor;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The one event-bus consumer of a broadcast event in a bridge instance, reference-counted by the
 * subscriptions that need it. Confined to the hub's event loop.
 */
final class BusTap {

  final EventDescriptor event;
  final MessageConsumer<Object> consumer;

  /**
   * Completes when every node's publications reach the consumer (see {@link
   * io.herald.bus.Reachability}).
   */
  Future<Void> ready;

  /**
   * Coalescing key for latest-value-only events: every frame of this event supersedes the previous
   * one.
   */
  final Object coalesceKey;

  int refs;
  long lingerTimer = -1;

  BusTap(EventDescriptor event, MessageConsumer<Object> consumer) {
    this.event = event;
    this.consumer = consumer;
    this.coalesceKey = event.latestValueOnly() ? "event:" + event.name() : null;
  }
}

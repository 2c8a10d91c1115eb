package io.herald.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Delivers an event frame to this node's consumers of the event only (its clients' subscriptions,
 * its verticles), not to other nodes: for what a node tells its own clients, e.g. the other side's
 * nodes and jobs after a network partition heals. The frame carries no position header: a snapshot
 * subscription takes it as newer than its snapshot.
 */
public final class LocalDelivery {

  private LocalDelivery() {}

  /**
   * Delivers {@code frame} (a client frame, as {@code herald.event.<name>} bodies are) to local
   * consumers.
   */
  public static void deliver(Vertx vertx, String event, String frame) {
    vertx
        .eventBus()
        .publish(Addresses.event(event), frame, new DeliveryOptions().setLocalOnly(true));
  }
}

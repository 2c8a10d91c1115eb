package io.herald.session;

import io.herald.auth.Auth;
import io.herald.config.Settings;
import io.herald.event.EventRegistry;
import io.herald.event.Producers;
import io.herald.history.History;
import io.herald.method.MethodRegistry;
import io.herald.remote.SourceRouter;
import io.herald.status.NodeStats;
import io.herald.subscription.SubscriptionHub;

/**
 * What a connection needs from its bridge instance and its node. {@code logsLifecycle}: its
 * connections log their open and close (false only for the delivery path's warm-up).
 */
public record SessionServices(
    Settings settings,
    EventRegistry events,
    MethodRegistry methods,
    SubscriptionHub hub,
    SourceRouter sources,
    Producers producers,
    NodeStats stats,
    Auth auth,
    History history,
    boolean logsLifecycle) {

  /**
   * The same services for connections that neither the node's statistics (metrics, status) nor its
   * log count: the delivery path's warm-up.
   */
  SessionServices unobserved() {
    return new SessionServices(
        settings, events, methods, hub, sources, producers, new NodeStats(), auth, history, false);
  }
}

package io.herald.session;

import io.herald.config.Settings;
import io.herald.event.EventRegistry;
import io.herald.SnapshotProvider;
import io.herald.method.MethodRegistry;
import io.herald.remote.SourceRouter;
import io.herald.status.NodeStats;
import io.herald.subscription.SubscriptionHub;
import java.util.Map;

/** What a connection needs from its bridge instance and its node. */
public record SessionServices(Settings settings, EventRegistry events, MethodRegistry methods, SubscriptionHub hub,
                              SourceRouter sources, Map<String, SnapshotProvider> snapshots, NodeStats stats) {
}

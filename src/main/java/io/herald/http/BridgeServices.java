package io.herald.http;

import io.herald.auth.Auth;
import io.herald.cluster.Membership;
import io.herald.config.Settings;
import io.herald.event.EventRegistry;
import io.herald.event.Producers;
import io.herald.event.Publisher;
import io.herald.history.History;
import io.herald.method.MethodRegistry;
import io.herald.ops.Operations;
import io.herald.remote.SourceHost;
import io.herald.status.NodeStats;
import java.util.function.BooleanSupplier;

/**
 * What the node gives each of its bridge instances.
 *
 * @param publisher the node's publications ({@code POST /api/publish})
 * @param operations /metrics, /health and /ready
 * @param draining true once the node is stopping: new websockets are refused
 */
public record BridgeServices(
    Settings settings,
    Membership membership,
    EventRegistry events,
    MethodRegistry methods,
    Producers producers,
    SourceHost sourceHost,
    NodeStats stats,
    Operations operations,
    Auth auth,
    Publisher publisher,
    History history,
    BooleanSupplier draining) {}

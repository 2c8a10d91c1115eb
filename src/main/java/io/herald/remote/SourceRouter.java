package io.herald.remote;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.EventDescriptor;
import io.herald.SourceFactory;
import io.herald.event.SourceManager;
import io.herald.event.SourceSubscriber;
import io.herald.stream.Attached;
import io.vertx.core.Future;
import java.util.Map;

/**
 * Where a bridge's subscription to a source is served (see {@link EventDescriptor.Placement}): by
 * the bridge's own {@link SourceManager} when the source is HOST-placed, has its factory on this
 * node and the argument names no other node; otherwise by {@link RemoteSources}. Confined to the
 * bridge's event loop.
 */
public final class SourceRouter {

  private final String nodeId;
  private final Map<String, SourceFactory> factories;
  private final SourceManager local;
  private final RemoteSources remote;

  public SourceRouter(
      String nodeId,
      Map<String, SourceFactory> factories,
      SourceManager local,
      RemoteSources remote) {
    this.nodeId = nodeId;
    this.factories = factories;
    this.local = local;
    this.remote = remote;
  }

  /**
   * Subscribes to the instance of {@code event} for the validated {@code argument} (for a HOST
   * source, its {@code "node"} is taken out first). Completes once live; fails with a {@link
   * CallError}.
   */
  public Future<Attached> subscribe(
      EventDescriptor event, Object argument, SourceSubscriber subscriber) {
    if (event.placement() == EventDescriptor.Placement.CLUSTER) {
      return remote.subscribe(event, argument, null, subscriber);
    }
    String node = RemoteProtocol.node(argument);
    Object rest = RemoteProtocol.withoutNode(argument);
    if (node != null && !node.equals(nodeId)) {
      return remote.subscribe(event, rest, node, subscriber);
    }
    if (factories.containsKey(event.name())) {
      return local.subscribe(event, rest, subscriber);
    }
    if (node != null) {
      return Future.failedFuture(
          new CallError(
              Errno.ENOENT,
              "Event source '" + event.name() + "' is not available on node '" + nodeId + "'"));
    }
    return remote.subscribe(event, rest, null, subscriber);
  }

  public void close() {
    remote.close();
  }
}

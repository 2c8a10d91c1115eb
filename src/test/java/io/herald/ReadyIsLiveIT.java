package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ready} means live across the cluster: an event published on another node right after the
 * client saw {@code ready} reaches it — even when the publishing node has a cached view of the
 * event's consumers that predates the new subscription (the case a plain {@code completion()} does
 * not cover).
 */
@ExtendWith(VertxExtension.class)
class ReadyIsLiveIT {

  private static final int ITERATIONS = 40;

  @Test
  void eventPublishedElsewhereRightAfterReadyIsDelivered(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node publisher = cluster.start();
      Node subscriberNode = cluster.start();
      Node bystander = cluster.start();
      publishRightAfterReady(client, publisher, subscriberNode, bystander);
    }
  }

  /**
   * The subscriber's own node caches the event's consumers too, and delivers its own publications
   * locally only when that view names it.
   */
  @Test
  void eventPublishedOnTheSubscribersNodeRightAfterReadyIsDelivered(Vertx client) {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node subscriberNode = cluster.start();
      Node bystander = cluster.start();
      publishRightAfterReady(client, subscriberNode, subscriberNode, bystander);
    }
  }

  private static void publishRightAfterReady(
      Vertx client, Node publisher, Node subscriberNode, Node bystander) {
    try (WsClient ws = WsClient.connect(client, subscriberNode.httpPort())) {
      for (int i = 0; i < ITERATIONS; i++) {
        String event = "ready.e" + i;
        TestNodes.await(
            publisher.registerEvent(EventDescriptor.broadcast(event).wildcard(false).build()));
        // A consumer on another node, and a first publication: the publisher now caches
        // [bystander].
        Registration standing = TestNodes.await(bystander.consume(event, m -> {}));
        TestNodes.await(publisher.publish(event, EventMessage.changed(0, new JsonObject())));

        TestNodes.eventually(
            5000,
            "subscriber node knows " + event,
            () -> subscriberNode.catalogue().containsKey(event));
        ws.subscribe("s" + i, event);
        TestNodes.await(publisher.publish(event, EventMessage.changed(i + 1, new JsonObject())));
        JsonObject got = ws.next();
        assertEquals(event, got.getString("collection"), "iteration " + i);
        assertEquals(i + 1, got.getInteger("id"), "iteration " + i);
        TestNodes.await(standing.unregister());
      }
    }
  }
}

package io.herald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestCerts;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event bus between nodes with mutual TLS ({@code cluster.bus-tls.*}): nodes whose certificates
 * the trust file holds exchange events; a process in the same Hazelcast cluster whose certificate
 * is not trusted gets nothing onto the bus.
 */
@ExtendWith(VertxExtension.class)
class BusTlsIT {

  @TempDir Path dir;

  private static JsonObject busTls(TestCerts.Pair pair, Path trust) {
    return new JsonObject()
        .put("cluster.bus-tls.cert", pair.cert().toString())
        .put("cluster.bus-tls.key", pair.key().toString())
        .put("cluster.bus-tls.trust", trust.toString())
        // ready waits for each other node's probe; the stranger's never comes: give up quickly
        .put("bus.probe-attempts", 3);
  }

  @Test
  void trustedNodesExchangeEventsAndAnUntrustedOneCannotPublish(Vertx client) {
    TestCerts.Pair one = TestCerts.selfSigned(dir, "node1");
    TestCerts.Pair two = TestCerts.selfSigned(dir, "node2");
    TestCerts.Pair stranger = TestCerts.selfSigned(dir, "stranger");
    Path trust = TestCerts.trustFile(dir.resolve("trust.pem"), one, two);
    // The stranger trusts the cluster's certificates: only the others' refusal of its own keeps
    // it out (client authentication is required on the bus, not just offered).
    Path strangerTrust = TestCerts.trustFile(dir.resolve("stranger-trust.pem"), one, two, stranger);
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node node1 = cluster.start(busTls(one, trust));
      Node node2 = cluster.start(busTls(two, trust));
      Node outsider = cluster.start(busTls(stranger, strangerTrust));
      TestNodes.await(node1.registerEvent(EventDescriptor.broadcast("bus.tls_news").build()));
      TestNodes.eventually(
          5000, "node 2 learns the event", () -> node2.catalogue().containsKey("bus.tls_news"));
      TestNodes.eventually(
          5000,
          "the outsider learns the event",
          () -> outsider.catalogue().containsKey("bus.tls_news"));
      try (WsClient onTwo = WsClient.connect(client, "node2", node2.httpPort())) {
        onTwo.subscribe("s", "bus.tls_news");

        TestNodes.await(
            node1.publish("bus.tls_news", EventMessage.changed(1, new JsonObject().put("by", 1))));
        JsonObject event = onTwo.next();
        assertEquals(1, event.getInteger("id"), "node 1 to node 2 over mutual TLS");

        // The outsider's publication fails the TLS handshake with node 2 and is lost; node 1's
        // next one still arrives, and nothing else does.
        outsider.publish("bus.tls_news", EventMessage.changed(3, new JsonObject().put("by", 3)));
        TestNodes.await(
            node1.publish("bus.tls_news", EventMessage.changed(2, new JsonObject().put("by", 1))));
        assertEquals(2, onTwo.next().getInteger("id"));
        onTwo.expectSilence(1000);
      }
    }
  }
}

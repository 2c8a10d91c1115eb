package io.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * Accounts and logins across a real two-node cluster: a user created on one node logs in on the
 * other, a token issued on node 1 is accepted once on node 2, and deleting a key or a user on one
 * node ends, at once, the subscriptions of connections logged in with it on the other.
 */
class AuthClusterIT {

  @Test
  void loginsHoldAndEndClusterWide() {
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node one = cluster.startSecured();
      Node two = cluster.startSecured();
      try (WsClient admin = WsClient.connect(cluster.vertx(0), "admin", one.httpPort())) {
        assertEquals(
            true,
            admin
                .call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD))
                .getValue("result"));
        admin.call(
            "user.create",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("username", "carol")
                        .put("password", "carol-password")
                        .put("roles", new JsonArray().add("REPORTING_READ"))));
        JsonObject key =
            admin
                .call(
                    "api_key.create",
                    new JsonArray().add(new JsonObject().put("name", "k").put("username", "carol")))
                .getJsonObject("result");
        String token = admin.call("auth.generate_token", new JsonArray()).getString("result");

        try (WsClient byToken = WsClient.connect(cluster.vertx(1), "token", two.httpPort());
            WsClient byKey = WsClient.connect(cluster.vertx(1), "key", two.httpPort());
            WsClient byPassword = WsClient.connect(cluster.vertx(1), "carol", two.httpPort())) {
          assertEquals(
              true,
              byToken.call("auth.login_with_token", new JsonArray().add(token)).getValue("result"));
          assertEquals(
              "admin",
              byToken
                  .call("auth.me", new JsonArray())
                  .getJsonObject("result")
                  .getString("username"));
          assertEquals(
              true,
              byKey
                  .call("auth.login_with_api_key", new JsonArray().add(key.getString("key")))
                  .getValue("result"));
          assertEquals(
              true,
              byPassword
                  .call("auth.login", new JsonArray().add("carol").add("carol-password"))
                  .getValue("result"));
          byKey.subscribe("m", "reporting.realtime:{\"interval\":1}");
          byPassword.subscribe("m", "reporting.realtime:{\"interval\":1}");

          // Revoked on node 1: the connection on node 2 that used the key is logged out at once.
          admin.call("api_key.delete", new JsonArray().add(key.getLong("id")));
          JsonObject ended = byKey.next(m -> "nosub".equals(m.getString("msg")));
          assertEquals("ENOTAUTHENTICATED", ended.getJsonObject("error").getString("errname"));

          // Carol's role taken away on node 1: her subscription on node 2 ends with EACCES.
          int carol =
              admin.call("user.query", new JsonArray()).getJsonArray("result").stream()
                  .map(u -> (JsonObject) u)
                  .filter(u -> "carol".equals(u.getString("username")))
                  .findFirst()
                  .orElseThrow()
                  .getInteger("id");
          admin.call(
              "user.update",
              new JsonArray().add(carol).add(new JsonObject().put("roles", new JsonArray())));
          JsonObject refused = byPassword.next(m -> "nosub".equals(m.getString("msg")));
          assertEquals("EACCES", refused.getJsonObject("error").getString("errname"));
        }
        // The token was used on node 2: it is gone on node 1 too.
        try (WsClient reuse = WsClient.connect(cluster.vertx(0), "reuse", one.httpPort())) {
          assertEquals(
              false,
              reuse.call("auth.login_with_token", new JsonArray().add(token)).getValue("result"));
        }
      }
    }
  }
}

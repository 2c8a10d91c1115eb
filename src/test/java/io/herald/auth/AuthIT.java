package io.herald.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramInvalidServerSignatureException;
import io.herald.node.Node;
import io.herald.support.Messages;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Authentication and authorization through real websockets on a node with security as shipped: what
 * an anonymous client may do, every login mechanism (SCRAM against an independent client), roles on
 * methods and events, own jobs, and logout / role change / deletion / revocation ending
 * subscriptions at once.
 */
@ExtendWith(VertxExtension.class)
class AuthIT {

  private Node node;
  private Path logs;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    Path data = TestNodes.freshDir();
    node = TestNodes.secured(vertx, new JsonObject().put("data.dir", data.toString()));
    // The default file root is <data.dir>/logs.
    logs = data.resolve("logs").toAbsolutePath();
    Files.createDirectories(logs);
    Files.writeString(logs.resolve("a.log"), "one\ntwo\n");
  }

  @AfterEach
  void stop() {
    TestNodes.await(node.close());
  }

  private WsClient client(Vertx vertx, String name) {
    return WsClient.connect(vertx, name, node.httpPort());
  }

  /** A client logged in with {@code auth.login}. */
  private WsClient login(Vertx vertx, String user, String password) {
    WsClient c = client(vertx, user);
    assertEquals(
        true, c.call("auth.login", new JsonArray().add(user).add(password)).getValue("result"));
    return c;
  }

  private static JsonObject error(JsonObject result) {
    assertNotNull(result.getJsonObject("error"), "an error: " + result);
    return result.getJsonObject("error");
  }

  private static void createUser(WsClient admin, String name, String... roles) {
    JsonObject answer =
        admin.call(
            "user.create",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("username", name)
                        .put("password", name + "-password")
                        .put("roles", new JsonArray(List.of(roles)))));
    assertEquals(name, answer.getJsonObject("result").getString("username"), answer.encode());
  }

  @Test
  void anAnonymousClientMayOnlyPingAndLogIn(Vertx vertx) {
    try (WsClient anon = client(vertx, "anon")) {
      assertEquals("pong", anon.call("core.ping", new JsonArray()).getValue("result"));
      assertTrue(
          anon.call("auth.mechanism_choices", new JsonArray())
              .getJsonArray("result")
              .contains("API_KEY_SCRAM"));
      JsonObject refused = error(anon.call("core.get_jobs", new JsonArray()));
      assertEquals("ENOTAUTHENTICATED", refused.getString("errname"));
      assertEquals(207, refused.getInteger("error"));
      assertEquals(
          "ENOTAUTHENTICATED",
          error(anon.call("filesystem.checksum", new JsonArray().add(logs + "/a.log")))
              .getString("errname"));
      assertEquals(
          "ENOTAUTHENTICATED",
          error(anon.call("user.query", new JsonArray())).getString("errname"));
      for (String event : List.of("core.get_jobs", "*", "reporting.realtime", "filesystem.file_tail_follow")) {
        anon.send(Messages.sub("s-" + event, event));
        // The original's answer (result + error), then Herald's nosub.
        JsonObject first = anon.next();
        assertEquals("result", first.getString("msg"), first.encode());
        assertEquals("s-" + event, first.getValue("id"));
        assertEquals("ENOTAUTHENTICATED", first.getJsonObject("error").getString("errname"));
        JsonObject nosub = anon.next();
        assertEquals("nosub", nosub.getString("msg"), nosub.encode());
        assertEquals("ENOTAUTHENTICATED", nosub.getJsonObject("error").getString("errname"));
      }
      assertEquals(
          "ENOTAUTHENTICATED", error(anon.call("auth.me", new JsonArray())).getString("errname"));
      anon.assertNoMoreMessages();
    }
  }

  @Test
  void passwordLoginsAnswerAsTheOriginals(Vertx vertx) {
    try (WsClient c = client(vertx, "c")) {
      assertEquals(
          false,
          c.call("auth.login", new JsonArray().add("admin").add("wrong")).getValue("result"));
      assertEquals(
          false,
          c.call("auth.login", new JsonArray().add("nobody").add("wrong")).getValue("result"));
      JsonObject bad =
          c.call(
                  "auth.login_ex",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("mechanism", "PASSWORD_PLAIN")
                              .put("username", "admin")
                              .put("password", "nope")))
              .getJsonObject("result");
      assertEquals(new JsonObject().put("response_type", "AUTH_ERR"), bad);
      JsonObject ok =
          c.call(
                  "auth.login_ex",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("mechanism", "PASSWORD_PLAIN")
                              .put("username", "admin")
                              .put("password", TestNodes.ADMIN_PASSWORD)))
              .getJsonObject("result");
      assertEquals("SUCCESS", ok.getString("response_type"), ok.encode());
      assertEquals("admin", ok.getJsonObject("user_info").getString("pw_name"));
      assertEquals("LEVEL_1", ok.getString("authenticator"));
      JsonObject me = c.call("auth.me", new JsonArray()).getJsonObject("result");
      assertEquals("admin", me.getString("username"));
      assertTrue(me.getJsonArray("roles").contains("FULL_ADMIN"));
      JsonObject unknown =
          error(
              c.call(
                  "auth.login_ex",
                  new JsonArray().add(new JsonObject().put("mechanism", "KERBEROS"))));
      assertEquals("VALIDATION", unknown.getString("type"));
    }
  }

  @Test
  void apiKeysLogInPlainAndByScramWithoutSendingTheKey(Vertx vertx) throws Exception {
    try (WsClient admin = login(vertx, "admin", TestNodes.ADMIN_PASSWORD)) {
      createUser(admin, "alice", "REPORTING_READ");
      JsonObject created =
          admin
              .call(
                  "api_key.create",
                  new JsonArray().add(new JsonObject().put("name", "ci").put("username", "alice")))
              .getJsonObject("result");
      String key = created.getString("key");
      long id = created.getLong("id");
      assertTrue(key.startsWith(id + "-"), key);
      JsonObject listed =
          admin.call("api_key.query", new JsonArray()).getJsonArray("result").getJsonObject(0);
      assertFalse(listed.containsKey("key"), "the key is shown once: " + listed);
      assertFalse(listed.encode().contains(key.substring(key.indexOf('-') + 1)));

      try (WsClient plain = client(vertx, "plain")) {
        assertEquals(
            false,
            plain
                .call("auth.login_with_api_key", new JsonArray().add(id + "-wrong"))
                .getValue("result"));
        assertEquals(
            true,
            plain.call("auth.login_with_api_key", new JsonArray().add(key)).getValue("result"));
        assertEquals(
            "alice",
            plain.call("auth.me", new JsonArray()).getJsonObject("result").getString("username"));
      }
      try (WsClient ex = client(vertx, "ex")) {
        JsonObject wrongUser =
            ex.call(
                    "auth.login_ex",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("mechanism", "API_KEY_PLAIN")
                                .put("username", "admin")
                                .put("api_key", key)))
                .getJsonObject("result");
        assertEquals("AUTH_ERR", wrongUser.getString("response_type"));
        JsonObject ok =
            ex.call(
                    "auth.login_ex",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("mechanism", "API_KEY_PLAIN")
                                .put("username", "alice")
                                .put("api_key", key)))
                .getJsonObject("result");
        assertEquals("SUCCESS", ok.getString("response_type"), ok.encode());
      }
      String secret = key.substring(key.indexOf('-') + 1);
      try (WsClient scram = client(vertx, "scram")) {
        ScramClient client =
            ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-512"))
                .username("alice:" + id)
                .password(secret.toCharArray())
                .build();
        String clientFirst = client.clientFirstMessage().toString();
        JsonObject first = scramCall(scram, "CLIENT_FIRST_MESSAGE", clientFirst);
        assertEquals("SCRAM_RESPONSE", first.getString("response_type"), first.encode());
        assertEquals("SERVER_FIRST_RESPONSE", first.getString("scram_type"));
        client.serverFirstMessage(first.getString("rfc_str"));
        String clientFinal = client.clientFinalMessage().toString();
        assertFalse(clientFinal.contains(secret) || clientFirst.contains(secret));
        JsonObject last = scramCall(scram, "CLIENT_FINAL_MESSAGE", clientFinal);
        assertEquals("SERVER_FINAL_RESPONSE", last.getString("scram_type"), last.encode());
        // The client checks the server's signature: the server holds the key's ServerKey.
        client.serverFinalMessage(last.getString("rfc_str"));
        assertEquals(
            "alice",
            scram.call("auth.me", new JsonArray()).getJsonObject("result").getString("username"));
      }
      try (WsClient forged = client(vertx, "forged")) {
        ScramClient client =
            ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-512"))
                .username("alice:" + id)
                .password("not-the-secret".toCharArray())
                .build();
        JsonObject first =
            scramCall(forged, "CLIENT_FIRST_MESSAGE", client.clientFirstMessage().toString());
        client.serverFirstMessage(first.getString("rfc_str"));
        JsonObject last =
            scramCall(forged, "CLIENT_FINAL_MESSAGE", client.clientFinalMessage().toString());
        assertEquals(new JsonObject().put("response_type", "AUTH_ERR"), last);
        assertEquals(
            "ENOTAUTHENTICATED",
            error(forged.call("auth.me", new JsonArray())).getString("errname"));
      }
      // An unknown key gets a server-first all the same (nothing tells it is unknown), then
      // AUTH_ERR.
      try (WsClient unknown = client(vertx, "unknown")) {
        ScramClient client =
            ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-512"))
                .username("alice:999")
                .password(secret.toCharArray())
                .build();
        JsonObject first =
            scramCall(unknown, "CLIENT_FIRST_MESSAGE", client.clientFirstMessage().toString());
        assertEquals("SERVER_FIRST_RESPONSE", first.getString("scram_type"));
        client.serverFirstMessage(first.getString("rfc_str"));
        assertEquals(
            "AUTH_ERR",
            scramCall(unknown, "CLIENT_FINAL_MESSAGE", client.clientFinalMessage().toString())
                .getString("response_type"));
        assertThrows(
            ScramInvalidServerSignatureException.class, () -> client.serverFinalMessage("v=AAAA"));
      }
    }
  }

  private static JsonObject scramCall(WsClient c, String type, String rfc) {
    return c.call(
            "auth.login_ex",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("mechanism", "SCRAM")
                        .put("scram_type", type)
                        .put("rfc_str", rfc)))
        .getJsonObject("result");
  }
}

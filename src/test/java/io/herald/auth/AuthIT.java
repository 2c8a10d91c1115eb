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
              .contains("SCRAM"));
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
      for (String event :
          List.of("core.get_jobs", "*", "reporting.realtime", "filesystem.file_tail_follow")) {
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
      JsonObject bad = loginEx(c, password("admin", "nope"));
      assertEquals(new JsonObject().put("response_type", "AUTH_ERR"), bad);
      JsonObject ok = loginEx(c, password("admin", TestNodes.ADMIN_PASSWORD));
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
        assertEquals("SERVER_FIRST_MESSAGE", first.getString("scram_type"));
        client.serverFirstMessage(first.getString("rfc_str"));
        String clientFinal = client.clientFinalMessage().toString();
        assertFalse(clientFinal.contains(secret) || clientFirst.contains(secret));
        JsonObject last = scramCall(scram, "CLIENT_FINAL_MESSAGE", clientFinal);
        assertEquals("SERVER_FINAL_MESSAGE", last.getString("scram_type"), last.encode());
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
        assertEquals("SERVER_FIRST_MESSAGE", first.getString("scram_type"));
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

  /** {@code auth.login_ex(data)}'s result. */
  private static JsonObject loginEx(WsClient c, JsonObject data) {
    return c.call("auth.login_ex", new JsonArray().add(data)).getJsonObject("result");
  }

  private static JsonObject password(String user, String password) {
    return new JsonObject()
        .put("mechanism", "PASSWORD_PLAIN")
        .put("username", user)
        .put("password", password);
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

  /** Starts a checksum job as {@code c}'s user; its id. */
  private long checksum(WsClient c) {
    JsonObject answer =
        c.call("filesystem.checksum", new JsonArray().add(logs.resolve("a.log").toString()));
    assertNotNull(answer.getValue("result"), answer.encode());
    return ((Number) answer.getValue("result")).longValue();
  }

  @Test
  void aUserSeesOnlyTheirOwnJobsAndAReaderCannotRunOrAbortThem(Vertx vertx) {
    try (WsClient admin = login(vertx, "admin", TestNodes.ADMIN_PASSWORD)) {
      createUser(admin, "alice", "FILESYSTEM_READ");
      createUser(admin, "bob", "FILESYSTEM_READ");
      createUser(admin, "reader", "REPORTING_READ", "JOBS_READ");
    }
    try (WsClient alice = login(vertx, "alice", "alice-password");
        WsClient bob = login(vertx, "bob", "bob-password");
        WsClient reader = login(vertx, "reader", "reader-password")) {
      alice.subscribe("jobs", "core.get_jobs");
      alice.subscribe("all", "*");
      reader.subscribe("jobs", "core.get_jobs");
      long bobs = checksum(bob);
      long alices = checksum(alice);
      // The reader (JOBS_READ) sees both jobs end; alice only hers, once (one copy per connection).
      reader.next(Messages.jobIn(bobs, "SUCCESS"));
      reader.next(Messages.jobIn(alices, "SUCCESS"));
      alice.next(Messages.jobIn(alices, "SUCCESS"));
      alice.sync();
      for (JsonObject m : alice.history().stream().map(WsClient.Received::msg).toList()) {
        assertFalse(
            Messages.jobEvent(bobs).test(m), "alice received an event of bob's job: " + m.encode());
      }
      JsonArray hers = alice.call("core.get_jobs", new JsonArray()).getJsonArray("result");
      assertEquals(1, hers.size(), hers.encode());
      assertEquals(alices, hers.getJsonObject(0).getLong("id"));
      assertEquals(
          "alice",
          hers.getJsonObject(0)
              .getJsonObject("credentials")
              .getJsonObject("data")
              .getString("username"));
      assertEquals(2, reader.call("core.get_jobs", new JsonArray()).getJsonArray("result").size());
      // Someone else's job does not exist for alice; the reader sees it but may not abort it.
      assertEquals(
          "ENOENT",
          error(alice.call("core.job_wait", new JsonArray().add(bobs))).getString("errname"));
      assertEquals(
          "ENOENT",
          error(alice.call("core.job_abort", new JsonArray().add(bobs))).getString("errname"));
      assertEquals(
          "EACCES",
          error(reader.call("core.job_abort", new JsonArray().add(bobs))).getString("errname"));
      assertEquals(
          "EACCES",
          error(
                  reader.call(
                      "filesystem.checksum", new JsonArray().add(logs.resolve("a.log").toString())))
              .getString("errname"));
      // A snapshot holds only what the subscriber may see.
      alice.send(Messages.subSnapshot("snap", "core.get_jobs"));
      JsonObject item = alice.next();
      assertEquals(alices, item.getLong("id"), item.encode());
      assertEquals(Messages.ready("snap"), alice.next());
      // A bulk call runs as its caller: alice cannot create users through it.
      JsonObject bulk =
          alice.call(
              "core.bulk",
              new JsonArray()
                  .add("user.create")
                  .add(
                      new JsonArray()
                          .add(
                              new JsonArray()
                                  .add(
                                      new JsonObject()
                                          .put("username", "mallory")
                                          .put("password", "mallory-password")))));
      long bulkId = ((Number) bulk.getValue("result")).longValue();
      JsonObject ended = alice.next(Messages.jobIn(bulkId, "SUCCESS"));
      String refusal =
          ended.getJsonObject("fields").getJsonArray("result").getJsonObject(0).getString("error");
      assertTrue(refusal.contains("Not authorized"), ended.encode());
    }
  }

  @Test
  void logoutRoleChangeDeletionAndRevocationEndSubscriptionsAtOnce(Vertx vertx) {
    try (WsClient admin = login(vertx, "admin", TestNodes.ADMIN_PASSWORD)) {
      createUser(admin, "alice", "FILESYSTEM_READ", "REPORTING_READ");
      createUser(admin, "bob", "REPORTING_READ");
      int aliceId =
          admin
              .call(
                  "user.query",
                  new JsonArray()
                      .add(
                          new JsonArray()
                              .add(new JsonArray().add("username").add("=").add("alice"))))
              .getJsonArray("result")
              .getJsonObject(0)
              .getInteger("id");
      int bobId =
          admin
              .call(
                  "user.query",
                  new JsonArray()
                      .add(
                          new JsonArray().add(new JsonArray().add("username").add("=").add("bob"))))
              .getJsonArray("result")
              .getJsonObject(0)
              .getInteger("id");
      JsonObject key =
          admin
              .call(
                  "api_key.create",
                  new JsonArray().add(new JsonObject().put("name", "k").put("username", "bob")))
              .getJsonObject("result");
      String tail = "filesystem.file_tail_follow:" + logs.resolve("a.log");
      try (WsClient alice = login(vertx, "alice", "alice-password");
          WsClient bob = login(vertx, "bob", "bob-password");
          WsClient bobByKey = client(vertx, "bob-key")) {
        assertEquals(
            true,
            bobByKey
                .call("auth.login_with_api_key", new JsonArray().add(key.getString("key")))
                .getValue("result"));
        alice.send(Messages.sub("tail", tail));
        alice.next(m -> Messages.ready("tail").equals(m));
        alice.subscribeAmid("metrics", "reporting.realtime:{\"interval\":1}");
        bob.subscribe("all", "*");
        bobByKey.subscribe("all", "*");

        // A role taken away ends the subscription that needs it, and only that one.
        admin.call(
            "user.update",
            new JsonArray()
                .add(aliceId)
                .add(new JsonObject().put("roles", new JsonArray().add("REPORTING_READ"))));
        JsonObject ended = alice.next(m -> "nosub".equals(m.getString("msg")));
        assertEquals("tail", ended.getValue("id"));
        assertEquals("EACCES", ended.getJsonObject("error").getString("errname"));
        alice.next(
            m ->
                "metrics".equals(m.getString("collection"))
                    || m.getString("collection", "").startsWith("reporting.realtime"));

        // The key deleted: the connection that logged in with it is logged out.
        admin.call("api_key.delete", new JsonArray().add(key.getLong("id")));
        JsonObject revoked = bobByKey.next(m -> "nosub".equals(m.getString("msg")));
        assertEquals("ENOTAUTHENTICATED", revoked.getJsonObject("error").getString("errname"));

        // The user deleted: every connection of theirs is logged out.
        admin.call("user.delete", new JsonArray().add(bobId));
        JsonObject deleted = bob.next(m -> "nosub".equals(m.getString("msg")));
        assertEquals("all", deleted.getValue("id"));
        assertEquals(
            "ENOTAUTHENTICATED",
            error(bob.call("core.get_jobs", new JsonArray())).getString("errname"));

        // Logout ends the rest, at once.
        assertEquals(true, alice.call("auth.logout", new JsonArray()).getValue("result"));
        alice.skipUntil(
            m -> "nosub".equals(m.getString("msg")) && "metrics".equals(m.getValue("id")));
        alice.sync();
        alice.expectSilence(1500);
      }
    }
  }

  @Test
  void aTokenLogsInOnceAndUnauthenticatedConnectionsAreBounded(Vertx vertx) {
    String token;
    try (WsClient admin = login(vertx, "admin", TestNodes.ADMIN_PASSWORD)) {
      token = admin.call("auth.generate_token", new JsonArray().add(60)).getString("result");
    }
    try (WsClient c = client(vertx, "token")) {
      assertEquals(
          true, c.call("auth.login_with_token", new JsonArray().add(token)).getValue("result"));
      assertEquals(
          "admin",
          c.call("auth.me", new JsonArray()).getJsonObject("result").getString("username"));
      // Logged in, a large message is fine.
      assertEquals(
          "VALIDATION",
          error(c.call("core.get_jobs", new JsonArray().add("x".repeat(20_000))))
              .getString("type"));
    }
    try (WsClient again = client(vertx, "again")) {
      JsonObject answer =
          again
              .call(
                  "auth.login_ex",
                  new JsonArray()
                      .add(new JsonObject().put("mechanism", "TOKEN_PLAIN").put("token", token)))
              .getJsonObject("result");
      assertEquals("AUTH_ERR", answer.getString("response_type"), "a token is good for one login");
      // Before login, a message over 8 KiB closes the connection (1009).
      again.sendText(
          Messages.method(1, "core.ping", new JsonArray().add("x".repeat(9_000))).encode());
      assertEquals(1009, again.awaitClose());
    }
  }

  @Test
  void failedLoginsAreThrottledPerAddressAndAccountsSurviveARestart(Vertx vertx) {
    Path data = TestNodes.freshDir();
    Node limited =
        TestNodes.secured(
            vertx,
            new JsonObject()
                .put("data.dir", data.toString())
                .put("auth.max-failures", 3)
                .put("auth.login-timeout-ms", 400));
    try (WsClient c = WsClient.connect(vertx, "c", limited.httpPort())) {
      for (int i = 0; i < 3; i++) {
        assertEquals(
            false,
            c.call("auth.login", new JsonArray().add("admin").add("bad")).getValue("result"));
      }
      // The right password, but too many failures from this address: refused unchecked.
      assertEquals(
          false,
          c.call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD))
              .getValue("result"));
    }
    try (WsClient idle = WsClient.connect(vertx, "idle", limited.httpPort())) {
      assertEquals(4003, idle.awaitClose(), "no login within auth.login-timeout-ms");
    }
    TestNodes.await(limited.close());
    // The whole cluster restarted: the accounts come back from the data directory.
    Node again =
        TestNodes.secured(
            vertx,
            new JsonObject().put("data.dir", data.toString()).put("auth.login-timeout-ms", 0));
    try (WsClient c = WsClient.connect(vertx, "c", again.httpPort())) {
      assertEquals(
          true,
          c.call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD))
              .getValue("result"));
    } finally {
      TestNodes.await(again.close());
    }
  }
}

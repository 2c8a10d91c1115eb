package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.herald.EventDescriptor;
import io.herald.Roles;
import io.herald.StreamPosition;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/publish} on a real two-node cluster with security as shipped: events declared in
 * configuration, API keys made with {@code api_key.create} over a websocket, posts to node 0
 * reaching subscribers of node 1, and every refusal with its status and body.
 */
class PublishIT {

  private static final JsonObject PERCENT =
      new JsonObject()
          .put("type", "object")
          .put(
              "properties",
              new JsonObject()
                  .put(
                      "percent",
                      new JsonObject().put("type", "integer").put("minimum", 0).put("maximum", 100))
                  .put("stage", new JsonObject().put("type", "string")))
          .put("required", new JsonArray().add("percent"))
          .put("additionalProperties", false);

  /** The same {@code events:} on both nodes, as a config file would give them. */
  private static final JsonArray EVENTS =
      new JsonArray()
          .add(
              new JsonObject()
                  .put("name", "backup.progress")
                  .put("description", "Progress of the backup.")
                  .put("roles", new JsonArray().add("BACKUP_READ"))
                  .put("publish_roles", new JsonArray().add("BACKUP_WRITE"))
                  .put("schema", PERCENT))
          .add(
              new JsonObject()
                  .put("name", "deploy.done")
                  .put("roles", new JsonArray().add(Roles.AUTHENTICATED)));

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static ClusterNodes cluster;
  private static Node publishTo;
  private static Node subscribeOn;
  private static Vertx clients;
  private static String writerKey;
  private static String outsiderKey;
  private static String adminKey;

  @BeforeAll
  static void startCluster() {
    cluster = new ClusterNodes();
    JsonObject overrides =
        new JsonObject()
            .put("events", EVENTS)
            .put("http.max-publish-bytes", 65536)
            // The refusals of this class come from one address: keep them under the throttle.
            .put("auth.max-failures", 1000);
    publishTo = cluster.startSecured(overrides);
    subscribeOn = cluster.startSecured(overrides);
    // Other builds on this host may hold Hazelcast ports: fail here, plainly, if no cluster formed.
    TestNodes.eventually(
        20_000,
        "the two nodes form one cluster",
        () -> cluster.hazelcast(0).getCluster().getMembers().size() == 2);
    clients = Vertx.vertx();
    try (WsClient admin = login(publishTo, "admin", TestNodes.ADMIN_PASSWORD)) {
      createUser(admin, "writer", "BACKUP_WRITE");
      createUser(admin, "reader", "BACKUP_READ");
      createUser(admin, "outsider", Roles.REPORTING_READ);
      writerKey = createKey(admin, "writer");
      outsiderKey = createKey(admin, "outsider");
      adminKey = createKey(admin, "admin");
    }
  }

  @AfterAll
  static void stopCluster() {
    if (clients != null) {
      TestNodes.await(clients.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  // --- the way through ---

  @Test
  void aDeclaredEventPostedToOneNodeReachesASubscriberOfTheOther() {
    assertTrue(
        subscribeOn.catalogue().containsKey("backup.progress"),
        "declared events are registered cluster-wide: " + subscribeOn.catalogue());
    assertEquals(
        PERCENT, subscribeOn.catalogue().getJsonObject("backup.progress").getJsonObject("returns"));
    try (WsClient reader = login(subscribeOn, "reader", "reader-password")) {
      reader.subscribe("s1", "backup.progress");
      Answer answer =
          post(
              writerKey,
              new JsonObject()
                  .put("event", "backup.progress")
                  .put("msg", "changed")
                  .put("id", 7)
                  .put("fields", new JsonObject().put("percent", 42)));
      assertEquals(200, answer.status(), answer.body());
      JsonArray positions = answer.json().getJsonArray("positions");
      assertEquals(1, positions.size(), answer.body());
      StreamPosition position = StreamPosition.parse(positions.getString(0));
      assertEquals(publishTo.nodeId(), position.epoch(), "published by the node posted to");
      assertEquals(
          new JsonObject()
              .put("msg", "changed")
              .put("collection", "backup.progress")
              .put("id", 7)
              .put("fields", new JsonObject().put("percent", 42)),
          reader.next());
    }
  }

  @Test
  void aListIsPublishedInOrder() {
    try (WsClient reader = login(subscribeOn, "reader", "reader-password")) {
      reader.subscribe("s1", "backup.progress");
      JsonArray batch = new JsonArray();
      batch.add(message("added", "job-1", new JsonObject().put("percent", 0)));
      for (int p = 10; p <= 90; p += 10) {
        batch.add(message("changed", "job-1", new JsonObject().put("percent", p)));
      }
      batch.add(
          new JsonObject()
              .put("event", "backup.progress")
              .put("msg", "removed")
              .put("id", "job-1"));
      Answer answer = post(writerKey, batch);
      assertEquals(200, answer.status(), answer.body());
      JsonArray positions = answer.json().getJsonArray("positions");
      assertEquals(batch.size(), positions.size());
      long previous = -1;
      for (int i = 0; i < positions.size(); i++) {
        long offset = StreamPosition.parse(positions.getString(i)).offset();
        assertTrue(offset > previous, "positions in the order of the list: " + positions);
        previous = offset;
      }
      for (int i = 0; i < batch.size(); i++) {
        JsonObject expected = batch.getJsonObject(i).copy();
        expected.remove("event");
        expected.put("collection", "backup.progress");
        assertEquals(expected, reader.next(), "message " + i);
      }
      reader.assertNoMoreMessages();
    }
  }

  // --- refusals ---

  @Test
  void withoutAValidKeyTheAnswerIs401() {
    JsonObject body = message("changed", 1, new JsonObject().put("percent", 1));
    String secretOfAnother = writerKey.substring(writerKey.indexOf('-') + 1);
    List<String> wrong =
        List.of(
            adminKey.substring(0, adminKey.indexOf('-') + 1) + secretOfAnother,
            writerKey + "x",
            "999-" + secretOfAnother,
            "not-a-key",
            "");
    for (String key : wrong) {
      Answer answer = post(key.isEmpty() ? null : key, body);
      assertEquals(401, answer.status(), key + ": " + answer.body());
      assertEquals("Bearer realm=\"herald\"", answer.header("www-authenticate"));
      assertNotNull(answer.json().getString("error"), answer.body());
    }
    Answer basic =
        send(
            request()
                .header("Authorization", "Basic YWRtaW46YWRtaW4=")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
    assertEquals(401, basic.status(), basic.body());
  }

  @Test
  void aKeyWhoseUserHasNoneOfThePublishRolesGets403() {
    Answer answer = post(outsiderKey, message("changed", 1, new JsonObject().put("percent", 1)));
    assertEquals(403, answer.status(), answer.body());
    assertEquals(
        "the key's user 'outsider' may not publish 'backup.progress': it needs one of the roles"
            + " [BACKUP_WRITE]",
        answer.json().getString("error"));
    // Empty publish_roles: FULL_ADMIN only.
    JsonObject deploy =
        new JsonObject()
            .put("event", "deploy.done")
            .put("msg", "added")
            .put("id", 1)
            .put("fields", new JsonObject());
    Answer writer = post(writerKey, deploy);
    assertEquals(403, writer.status(), writer.body());
    assertTrue(writer.json().getString("error").contains("only FULL_ADMIN"), writer.body());
    assertEquals(200, post(adminKey, deploy).status());
    // FULL_ADMIN may publish anything declared.
    assertEquals(
        200, post(adminKey, message("changed", 1, new JsonObject().put("percent", 2))).status());
  }

  @Test
  void anEventAVerticleRegisteredIsForFullAdminOnly() {
    TestNodes.await(
        publishTo.registerEvent(
            EventDescriptor.broadcast("verticle.thing").roles(Roles.AUTHENTICATED).build()));
    JsonObject body =
        new JsonObject()
            .put("event", "verticle.thing")
            .put("msg", "changed")
            .put("fields", new JsonObject().put("n", 1));
    try (WsClient reader = login(subscribeOn, "reader", "reader-password")) {
      reader.subscribe("v", "verticle.thing");
      Answer writer = post(writerKey, body);
      assertEquals(403, writer.status(), writer.body());
      assertTrue(
          writer.json().getString("error").contains("not declared in this node's configuration"),
          writer.body());
      Answer admin = post(adminKey, body);
      assertEquals(200, admin.status(), admin.body());
      assertEquals(
          new JsonObject()
              .put("msg", "changed")
              .put("collection", "verticle.thing")
              .put("fields", new JsonObject().put("n", 1)),
          reader.next());
    }
  }

  @Test
  void anUnknownOrSourceEventIs404() {
    Answer unknown =
        post(
            adminKey,
            new JsonObject()
                .put("event", "no.such.event")
                .put("msg", "changed")
                .put("fields", new JsonObject()));
    assertEquals(404, unknown.status(), unknown.body());
    assertEquals("no event 'no.such.event' is registered", unknown.json().getString("error"));
    Answer source =
        post(
            adminKey,
            new JsonObject()
                .put("event", "reporting.realtime")
                .put("msg", "changed")
                .put("fields", new JsonObject()));
    assertEquals(404, source.status(), source.body());
    assertTrue(source.json().getString("error").contains("produced by its source"), source.body());
  }

  @Test
  void fieldsFailingTheSchemaAre400WithTheErrorsAndNothingIsPublished() {
    try (WsClient reader = login(subscribeOn, "reader", "reader-password")) {
      reader.subscribe("s1", "backup.progress");
      Answer one = post(writerKey, message("changed", 1, new JsonObject().put("percent", "high")));
      assertEquals(400, one.status(), one.body());
      assertEquals(
          "the fields do not match the event's schema: nothing was published",
          one.json().getString("error"));
      JsonObject invalid = one.json().getJsonArray("invalid").getJsonObject(0);
      assertEquals(0, invalid.getInteger("index"));
      assertEquals("backup.progress", invalid.getString("event"));
      assertEquals(
          new JsonArray()
              .add(
                  new JsonObject()
                      .put("path", "fields.percent")
                      .put("message", "Instance type string is invalid. Expected integer")),
          invalid.getJsonArray("errors"),
          one.body());

      // A list with one bad entry among good ones: all or nothing.
      JsonArray batch =
          new JsonArray()
              .add(message("changed", 1, new JsonObject().put("percent", 1)))
              .add(message("changed", 1, new JsonObject().put("stage", "copy")))
              .add(message("changed", 1, new JsonObject().put("percent", 101)))
              .add(message("changed", 1, new JsonObject().put("percent", 3)));
      Answer list = post(writerKey, batch);
      assertEquals(400, list.status(), list.body());
      assertEquals(
          "2 of 4 entries do not match their event's schema: nothing was published",
          list.json().getString("error"));
      JsonArray failures = list.json().getJsonArray("invalid");
      assertEquals(1, failures.getJsonObject(0).getInteger("index"));
      assertEquals(2, failures.getJsonObject(1).getInteger("index"));
      // entry 1 lacks percent; entry 2 is above the maximum.
      assertTrue(
          failures.getJsonObject(0).getJsonArray("errors").encode().contains("percent"),
          list.body());
      assertEquals(
          "fields.percent",
          failures.getJsonObject(1).getJsonArray("errors").getJsonObject(0).getString("path"),
          list.body());
      // An unknown field (additionalProperties: false) is named, though its only failure is the
      // library's "additional properties" message.
      Answer unknownField =
          post(
              writerKey,
              message("changed", 1, new JsonObject().put("percent", 1).put("colour", "red")));
      assertEquals(400, unknownField.status(), unknownField.body());
      assertTrue(unknownField.body().contains("fields.colour"), unknownField.body());

      // The subscriber got none of them: the next message it gets is this one.
      assertEquals(
          200,
          post(writerKey, message("changed", 9, new JsonObject().put("percent", 99))).status());
      assertEquals(9, reader.next().getValue("id"));
      reader.assertNoMoreMessages();
    }
  }

  @Test
  void aListIsCheckedWholeBeforeAnythingIsPublished() {
    try (WsClient reader = login(subscribeOn, "reader", "reader-password")) {
      reader.subscribe("s1", "backup.progress");
      JsonArray unknownLast =
          new JsonArray()
              .add(message("changed", 1, new JsonObject().put("percent", 1)))
              .add(
                  new JsonObject()
                      .put("event", "nope")
                      .put("msg", "changed")
                      .put("fields", new JsonObject()));
      Answer answer = post(writerKey, unknownLast);
      assertEquals(404, answer.status(), answer.body());
      assertEquals(1, answer.json().getInteger("index"));
      JsonArray forbiddenLast =
          new JsonArray()
              .add(message("changed", 1, new JsonObject().put("percent", 1)))
              .add(
                  new JsonObject()
                      .put("event", "deploy.done")
                      .put("msg", "changed")
                      .put("fields", new JsonObject()));
      Answer forbidden = post(writerKey, forbiddenLast);
      assertEquals(403, forbidden.status(), forbidden.body());
      assertEquals(1, forbidden.json().getInteger("index"));
      assertEquals(
          200, post(writerKey, message("changed", 5, new JsonObject().put("percent", 5))).status());
      assertEquals(5, reader.next().getValue("id"), "nothing of the refused lists");
    }
  }

  @Test
  void malformedBodiesAre400() {
    List<String> bodies =
        List.of(
            "{\"event\": \"backup.progress\", ",
            "",
            "42",
            "[]",
            "[1]",
            "{\"event\":\"backup.progress\",\"msg\":\"updated\",\"fields\":{\"percent\":1}}",
            "{\"event\":\"backup.progress\",\"msg\":\"changed\",\"fields\":[1]}",
            "{\"event\":\"backup.progress\",\"msg\":\"changed\"}",
            "{\"event\":\"backup.progress\",\"msg\":\"removed\"}",
            "{\"event\":\"backup.progress\",\"msg\":\"removed\",\"id\":1,\"fields\":{}}",
            "{\"event\":\"backup.progress\",\"msg\":\"changed\",\"id\":{},\"fields\":{}}",
            "{\"event\":\"backup.progress\",\"msg\":\"changed\",\"fields\":{},\"extra\":{}}",
            "{\"msg\":\"changed\",\"fields\":{}}",
            "[".repeat(100) + "]".repeat(100));
    for (String body : bodies) {
      Answer answer = postText(writerKey, body);
      assertEquals(400, answer.status(), body + " -> " + answer.body());
      assertFalse(answer.json().getString("error").isBlank(), answer.body());
    }
  }

  @Test
  void otherMethodsAre405AndTooLargeABodyIs413() {
    Answer get = send(request().header("Authorization", "Bearer " + writerKey).GET());
    assertEquals(405, get.status(), get.body());
    assertEquals("POST", get.header("allow"));
    assertTrue(get.json().getString("error").contains("POST"), get.body());

    JsonArray big = new JsonArray();
    while (big.encode().length() <= 65536) {
      big.add(
          message("changed", 1, new JsonObject().put("percent", 1).put("stage", "x".repeat(500))));
    }
    Answer tooLarge = post(writerKey, big);
    assertEquals(413, tooLarge.status(), tooLarge.body());
    assertTrue(
        tooLarge.json().getString("error").contains("http.max-publish-bytes"), tooLarge.body());
    // As curl does it, HTTP/1.1 on one kept-alive connection: the next request is served.
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String small = message("changed", 1, new JsonObject().put("percent", 1)).encode();
    for (String body : List.of(big.encode(), small)) {
      HttpResponse<String> response =
          sendWith(
              http11,
              request()
                  .header("Authorization", "Bearer " + writerKey)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body)));
      assertEquals(body.equals(small) ? 200 : 413, response.statusCode(), response.body());
    }

    Answer text =
        send(
            request()
                .header("Authorization", "Bearer " + writerKey)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertEquals(415, text.status(), text.body());
  }

  /**
   * A node of its own: three wrong keys from one address, then that address is refused even with a
   * good key; the failures are logged with the address, never the key.
   */
  @Test
  void failedKeyChecksCountInTheLoginThrottleAndAreLoggedWithoutTheKey() {
    Vertx vertx = Vertx.vertx();
    Logger logger = (Logger) LoggerFactory.getLogger(PublishApi.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    Node node =
        TestNodes.secured(
            vertx,
            new JsonObject()
                .put("events", EVENTS)
                .put("auth.max-failures", 3)
                .put("auth.failure-window-ms", 60_000));
    try {
      String key;
      try (WsClient admin = WsClient.connect(vertx, "admin", node.httpPort())) {
        assertEquals(
            true,
            admin
                .call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD))
                .getValue("result"));
        key = createKey(admin, "admin");
      }
      String secret = key.substring(key.indexOf('-') + 1);
      JsonObject body = message("changed", 1, new JsonObject().put("percent", 1));
      assertEquals(200, post(node.httpPort(), key, body).status(), "a good key first");
      String wrong = key.substring(0, key.indexOf('-') + 1) + "wrong" + secret.substring(5);
      for (int i = 0; i < 3; i++) {
        assertEquals(401, post(node.httpPort(), wrong, body).status());
      }
      Answer refused = post(node.httpPort(), key, body);
      assertEquals(429, refused.status(), refused.body());
      assertNotNull(refused.header("retry-after"));
      List<String> lines = new ArrayList<>();
      logged.list.forEach(e -> lines.add(e.getFormattedMessage()));
      assertTrue(
          lines.stream()
                  .filter(l -> l.equals("publish refused: invalid API key from 127.0.0.1"))
                  .count()
              == 3,
          lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.contains("too many failed")), lines.toString());
      assertTrue(
          lines.stream().noneMatch(l -> l.contains(secret.substring(5)) || l.contains(key)),
          "no key in the logs: " + lines);
    } finally {
      logger.detachAppender(logged);
      TestNodes.await(node.close());
      TestNodes.await(vertx.close());
    }
  }

  @Test
  void aNodeDeclaringAnEventOtherwiseThanTheClusterDoesNotStart() {
    JsonArray other = EVENTS.copy();
    other.getJsonObject(1).put("wildcard", false);
    Exception failure =
        assertThrows(
            Exception.class, () -> cluster.startSecured(new JsonObject().put("events", other)));
    assertTrue(
        String.valueOf(failure.getMessage())
            .contains("event 'deploy.done' (events): Event 'deploy.done' is already registered"),
        String.valueOf(failure));
  }

  // --- helpers ---

  private static JsonObject message(String msg, Object id, JsonObject fields) {
    return new JsonObject()
        .put("event", "backup.progress")
        .put("msg", msg)
        .put("id", id)
        .put("fields", fields);
  }

  private static WsClient login(Node node, String user, String password) {
    WsClient c = WsClient.connect(clients, user, node.httpPort());
    assertEquals(
        true, c.call("auth.login", new JsonArray().add(user).add(password)).getValue("result"));
    return c;
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
                        .put("roles", new JsonArray(List.of((Object[]) roles)))));
    assertEquals(name, answer.getJsonObject("result").getString("username"), answer.encode());
  }

  /** An API key of {@code user}, as {@code api_key.create} shows it once. */
  private static String createKey(WsClient admin, String user) {
    JsonObject answer =
        admin.call(
            "api_key.create",
            new JsonArray()
                .add(new JsonObject().put("name", "publish-" + user).put("username", user)));
    String key = answer.getJsonObject("result").getString("key");
    assertNotNull(key, answer.encode());
    return key;
  }

  /** A status, the headers asked for and a body. */
  private record Answer(int status, HttpResponse<String> response) {
    String body() {
      return response.body();
    }

    JsonObject json() {
      assertTrue(
          response.headers().firstValue("content-type").orElse("").startsWith("application/json"),
          "a JSON answer: " + response.headers());
      return new JsonObject(response.body());
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

  private static HttpRequest.Builder request() {
    return request(publishTo.httpPort());
  }

  private static HttpRequest.Builder request(int port) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish"))
        .timeout(Duration.ofSeconds(10));
  }

  /** As curl would: {@code curl -X POST -H 'Authorization: Bearer <key>' -d <json>}. */
  private static Answer post(String key, Object json) {
    return post(publishTo.httpPort(), key, json);
  }

  private static Answer post(int port, String key, Object json) {
    return postText(
        port, key, json instanceof JsonArray a ? a.encode() : ((JsonObject) json).encode());
  }

  private static Answer postText(String key, String body) {
    return postText(publishTo.httpPort(), key, body);
  }

  private static Answer postText(int port, String key, String body) {
    HttpRequest.Builder request =
        request(port)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return send(request);
  }

  private static Answer send(HttpRequest.Builder request) {
    HttpResponse<String> response = sendWith(HTTP, request);
    return new Answer(response.statusCode(), response);
  }

  private static HttpResponse<String> sendWith(HttpClient client, HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

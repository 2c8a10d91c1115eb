package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.cluster.Membership;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.node.NodeVertx;
import io.herald.support.NodeProcess;
import io.herald.support.TestCerts;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * https and wss ({@code http.tls.*}): what a client sees on the TLS port, renewals of the
 * certificate, and the plain redirect listener. The certificates are made at test time; clients
 * trust exactly the certificate the test names (the host name is not checked: the certificates are
 * for {@code localhost}, the tests connect to 127.0.0.1).
 */
@ExtendWith(VertxExtension.class)
class TlsIT {

  @TempDir Path dir;

  private Node tlsNode(Vertx vertx, TestCerts.Pair pair, JsonObject more) {
    JsonObject overrides =
        new JsonObject()
            .put("http.tls.cert", pair.cert().toString())
            .put("http.tls.key", pair.key().toString());
    more.forEach(e -> overrides.put(e.getKey(), e.getValue()));
    return TestNodes.standalone(vertx, overrides);
  }

  private static HttpClientOptions trusting(PemTrustOptions trust) {
    return new HttpClientOptions().setSsl(true).setVerifyHost(false).setTrustOptions(trust);
  }

  /** An answer: its status and body. */
  private record Answer(int status, String body) {}

  /** GET {@code uri} over https, trusting {@code trust} only: the status and body. */
  private static Future<Answer> httpsGet(Vertx vertx, int port, String uri, PemTrustOptions trust) {
    HttpClient client = vertx.createHttpClient(trusting(trust));
    return client
        .request(HttpMethod.GET, port, "127.0.0.1", uri)
        .compose(request -> request.send())
        .compose(
            response -> response.body().map(b -> new Answer(response.statusCode(), b.toString())))
        .andThen(ar -> client.close());
  }

  /** Whether a new https connection trusting {@code trust} only gets an answer. */
  private static boolean answersTrusting(Vertx vertx, int port, PemTrustOptions trust) {
    return TestNodes.await(
        httpsGet(vertx, port, "/api/status", trust).map(r -> r.status() == 200).otherwise(false));
  }

  @Test
  void httpsAndWssAreServedAndPlainHttpAndWsAreNot(Vertx vertx) {
    TestCerts.Pair pair = TestCerts.selfSigned(dir, "node");
    Node herald = tlsNode(vertx, pair, new JsonObject());
    int port = herald.httpPort();

    Answer status = TestNodes.await(httpsGet(vertx, port, "/api/status", pair.trust()));
    assertEquals(200, status.status());
    assertEquals(herald.nodeId(), new JsonObject(status.body()).getString("node"));

    TestNodes.await(herald.registerEvent(EventDescriptor.broadcast("tls.news").build()));
    try (WsClient wss =
        WsClient.connect(
            vertx,
            "wss:" + port,
            new WebSocketClientOptions()
                .setSsl(true)
                .setVerifyHost(false)
                .setTrustOptions(pair.trust()),
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI("/websocket")
                .setSsl(true))) {
      assertTrue(wss.socket().isSsl());
      wss.subscribe("n", "tls.news");
      TestNodes.await(
          herald.publish("tls.news", EventMessage.changed(1, new JsonObject().put("a", 1))));
      JsonObject event = wss.next();
      assertEquals("tls.news", event.getString("collection"));
      assertEquals(1, event.getJsonObject("fields").getInteger("a"));
    }

    // The same port spoken to in plain text: no websocket, no HTTP answer.
    WebSocketClient plain = vertx.createWebSocketClient();
    Future<WebSocket> ws =
        plain.connect(
            new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/websocket"));
    assertThrows(Exception.class, () -> TestNodes.await(ws), "plain ws to the TLS port");
    HttpClient plainHttp = vertx.createHttpClient();
    Future<Integer> plainStatus =
        plainHttp
            .request(HttpMethod.GET, port, "127.0.0.1", "/api/status")
            .compose(r -> r.send())
            .map(HttpClientResponse::statusCode);
    assertThrows(Exception.class, () -> TestNodes.await(plainStatus), "plain http");

    // A client that does not trust the certificate does not get through either.
    TestCerts.Pair other = TestCerts.selfSigned(dir, "other");
    assertFalse(answersTrusting(vertx, port, other.trust()));
  }

  @Test
  void aRenewedCertificateIsServedToNewConnectionsAndOpenOnesStay(Vertx vertx) {
    TestCerts.Pair old = TestCerts.selfSigned(dir, "old");
    TestCerts.Pair live = TestCerts.selfSigned(dir, "live");
    old.copyTo(live); // the files the node reads: the old pair, for now
    Node herald = tlsNode(vertx, live, new JsonObject().put("http.tls.reload-interval-ms", 50));
    int port = herald.httpPort();
    assertTrue(answersTrusting(vertx, port, old.trust()));
    WsClient open =
        WsClient.connect(
            vertx,
            "wss-before",
            new WebSocketClientOptions()
                .setSsl(true)
                .setVerifyHost(false)
                .setTrustOptions(old.trust()),
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI("/websocket")
                .setSsl(true));

    TestCerts.Pair renewed = TestCerts.selfSigned(dir, "renewed");
    assertFalse(answersTrusting(vertx, port, renewed.trust()), "not served before the renewal");
    renewed.copyTo(live);
    TestNodes.eventually(
        10_000,
        "a new connection gets the renewed certificate",
        () -> answersTrusting(vertx, port, renewed.trust()));
    assertFalse(answersTrusting(vertx, port, old.trust()), "the old certificate is gone");
    // The connection made before the renewal goes on.
    assertEquals(
        "pong", open.call("core.ping", new io.vertx.core.json.JsonArray()).getString("result"));
    open.close();
  }

  /**
   * A new pair that does not work — a key of another certificate, then a file that is not PEM — is
   * refused and the pair in use stays; a good pair after it is taken. Driven by hand ({@link
   * ServerTls#checkFiles}) on a server of the test's own, the timer being far off.
   */
  @Test
  void aBadNewPairIsRefusedAndTheOneInUseStays(Vertx vertx) throws Exception {
    TestCerts.Pair first = TestCerts.selfSigned(dir, "first");
    TestCerts.Pair live = TestCerts.selfSigned(dir, "live");
    first.copyTo(live); // the files read: the first pair, for now
    Settings settings =
        Settings.of(
            TestNodes.nested(
                new JsonObject()
                    .put("http.tls.cert", live.cert().toString())
                    .put("http.tls.key", live.key().toString())
                    .put("http.tls.reload-interval-ms", 600_000)));
    ServerTls tls = TestNodes.await(ServerTls.start(vertx, settings));
    HttpServer server =
        TestNodes.await(
            vertx
                .createHttpServer(
                    new HttpServerOptions()
                        .setHost("127.0.0.1")
                        .setPort(0)
                        .setSsl(true)
                        .setKeyCertOptions(tls.keyCert()))
                .requestHandler(r -> r.response().end("ok"))
                .listen());
    tls.serve(server);
    int port = server.actualPort();
    try {
      assertFalse(TestNodes.await(tls.checkFiles()), "nothing changed");

      TestCerts.Pair other = TestCerts.selfSigned(dir, "other");
      Files.copy(other.key(), live.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertFalse(TestNodes.await(tls.checkFiles()), "a key of another certificate");
      assertTrue(answersTrusting(vertx, port, first.trust()), "the first pair still serves");

      Files.writeString(live.cert(), "not a certificate\n");
      assertFalse(TestNodes.await(tls.checkFiles()), "not PEM");
      assertTrue(answersTrusting(vertx, port, first.trust()), "the first pair still serves");

      TestCerts.Pair good = TestCerts.selfSigned(dir, "good");
      good.copyTo(live);
      assertTrue(TestNodes.await(tls.checkFiles()), "a good pair is taken");
      assertTrue(answersTrusting(vertx, port, good.trust()));
      assertFalse(answersTrusting(vertx, port, first.trust()));
    } finally {
      tls.close();
      TestNodes.await(server.close());
    }
  }

  @Test
  void aNodeWhoseKeyIsNotTheCertificatesDoesNotStart(Vertx vertx) {
    TestCerts.Pair a = TestCerts.selfSigned(dir, "a");
    TestCerts.Pair b = TestCerts.selfSigned(dir, "b");
    JsonObject flat =
        new JsonObject()
            .put("cluster.enabled", false)
            .put("http.port", 0)
            .put("http.host", "127.0.0.1")
            .put("alerts.enabled", false)
            .put("http.tls.cert", a.cert().toString())
            .put("http.tls.key", b.key().toString());
    Throwable failure =
        TestNodes.await(
            Node.start(
                    new NodeVertx(vertx, Membership.standalone(vertx)),
                    Settings.of(TestNodes.nested(flat)))
                .transform(ar -> Future.succeededFuture(ar.cause())));
    assertNotNull(failure, "the node must not start");
    assertTrue(failure.getMessage().contains("http.tls.cert"), failure.getMessage());
    assertTrue(failure.getMessage().contains("does not belong"), failure.getMessage());
  }

  @Test
  void theRedirectPortAnswers308ToTheHttpsUrl(Vertx vertx) throws Exception {
    TestCerts.Pair pair = TestCerts.selfSigned(dir, "node");
    int redirect = NodeProcess.freePort();
    Node herald = tlsNode(vertx, pair, new JsonObject().put("http.tls.redirect-port", redirect));
    HttpClient plain = vertx.createHttpClient();
    try {
      HttpClientResponse moved =
          TestNodes.await(
              plain
                  .request(
                      new RequestOptions()
                          .setServer(SocketAddress.inetSocketAddress(redirect, "127.0.0.1"))
                          .setHost("localhost")
                          .setPort(redirect)
                          .setURI("/api/status?x=1"))
                  .compose(r -> r.send()));
      assertEquals(308, moved.statusCode());
      assertEquals(
          "https://localhost:" + herald.httpPort() + "/api/status?x=1",
          moved.getHeader("Location"));
      HttpClientResponse refused =
          TestNodes.await(
              plain
                  .request(
                      new RequestOptions()
                          .setServer(SocketAddress.inetSocketAddress(redirect, "127.0.0.1"))
                          .setHost("attacker.example")
                          .setPort(redirect)
                          .setURI("/"))
                  .compose(r -> r.send()));
      assertEquals(421, refused.statusCode(), "a Host the node does not answer to");
    } finally {
      plain.close();
    }
  }
}

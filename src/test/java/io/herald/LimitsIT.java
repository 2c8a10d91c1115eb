package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.Messages;
import io.herald.support.RawWebSocket;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The limits a hostile or broken client meets (docs/PROTOCOL.md, "Limits and settings"), each
 * against a real node over real sockets.
 */
@ExtendWith(VertxExtension.class)
class LimitsIT {

  @Test
  void oneUpgradeMoreThanTheAddressMayHoldIsRefusedWith429(Vertx vertx) {
    Node herald =
        TestNodes.standalone(vertx, new JsonObject().put("limits.max-connections-per-address", 3));
    int port = herald.httpPort();
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(WsClient.connect(vertx, port));
      }
      UncheckedIOException refused =
          assertThrows(UncheckedIOException.class, () -> RawWebSocket.connect(port));
      assertTrue(
          refused.getMessage().contains("429"),
          "the 4th upgrade gets 429: " + refused.getMessage());
      assertEquals(1, Http.status(port).getInteger("connections_refused_per_address"));
      // the three open ones are unaffected
      for (WsClient c : open) {
        assertEquals(
            "pong", c.call("core.ping", new io.vertx.core.json.JsonArray()).getString("result"));
      }
      // one leaves: its place is free again
      open.remove(0).close();
      TestNodes.eventually(
          5000, "the closed connection released", () -> herald.stats().connections.get() == 2);
      try (RawWebSocket again = RawWebSocket.connect(port)) {
        again.send(io.herald.support.Messages.ping("p"));
        assertEquals("pong", again.nextMessage().getString("msg"));
      }
    } finally {
      open.forEach(WsClient::close);
    }
    TestNodes.eventually(
        5000, "every address released", () -> herald.stats().byAddress.addresses() == 0);
  }

  @Test
  void messagesBeyondTheBudgetAreRefusedAndAFloodIsClosedWith4008(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("limits.messages-per-second", 20)
                .put("limits.message-burst", 5)
                .put("limits.rate-limit-close-after-ms", 1500));
    int port = herald.httpPort();
    try (WsClient bystander = WsClient.connect(vertx, port);
        RawWebSocket flood = RawWebSocket.connect(port)) {
      for (int i = 0; i < 5; i++) {
        flood.send(Messages.ping(i));
      }
      flood.send(Messages.method("over", "core.ping", new JsonArray()));
      for (int i = 0; i < 5; i++) {
        assertEquals(Messages.pong(i), flood.nextMessage(), "the burst is served");
      }
      JsonObject refused = flood.nextMessage();
      assertEquals("over", refused.getValue("id"));
      assertEquals("ETOOMANYREFS", refused.getJsonObject("error").getString("errname"));
      assertTrue(
          refused.getJsonObject("error").getString("reason").contains("20 messages per second"));
      // the budget refills: a message 100 ms later (two tokens at 20/s) is served; time must pass
      Thread.sleep(100);
      flood.send(Messages.ping("later"));
      assertEquals(Messages.pong("later"), flood.nextMessage());
      // a flood that does not stop is closed with 4008 after about 1.5 s
      long start = System.nanoTime();
      int[] code = {-1};
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (true) {
                    RawWebSocket.Frame f = flood.nextFrame();
                    if (f.opcode() == RawWebSocket.OP_CLOSE) {
                      code[0] = f.closeCode();
                      return;
                    }
                  }
                } catch (RuntimeException gone) {
                  // ended without a close frame: code stays -1
                }
              });
      reader.start();
      try {
        while (reader.isAlive() && System.nanoTime() - start < 10_000_000_000L) {
          flood.send(Messages.ping("flood"));
          // 500 messages a second, 25 times the budget, at a pace at which the refusals are read
          java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
      } catch (UncheckedIOException closedWhileSending) {
        // the server closed the socket under us
      }
      reader.join(10_000);
      int closeCode = code[0];
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(4008, closeCode, "the flood is closed with 4008");
      // the streak began with the refusal of "over", about 100 ms before the flood
      assertTrue(tookMs >= 1200 && tookMs < 5000, "closed after about 1.5 s, took " + tookMs);
      // the bystander was never affected
      assertEquals("pong", bystander.call("core.ping", new JsonArray()).getString("result"));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static String nested(int depth, String inner) {
    return "[".repeat(depth) + inner + "]".repeat(depth);
  }

  @Test
  void messagesNestedTooDeeplyAreAnsweredWithoutAStackOverflowAnywhere(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("limits.max-json-depth", 32));
    int port = herald.httpPort();
    try (WsClient c = WsClient.connect(vertx, port)) {
      // 30,000 levels: within ws.max-message-bytes, far beyond any stack
      c.sendText(
          "{\"msg\":\"method\",\"id\":1,\"method\":\"core.get_jobs\",\"params\":"
              + nested(30_000, "")
              + "}");
      assertEquals(
          new JsonObject()
              .put("msg", "error")
              .put("reason", "message nested deeper than 32 levels")
              .putNull("offendingMessage"),
          c.next());
      // a sub whose argument (a string, parsed as JSON) nests too deeply
      String name = "reporting.realtime:" + nested(5_000, "");
      c.send(Messages.sub("deep", name));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("VALIDATION", nosub.getJsonObject("error").getString("type"));
      assertTrue(
          nosub.getJsonObject("error").getString("reason").contains("nested deeper than 32"),
          nosub.encode());
      // at the limit, filters of core.get_jobs nest as deep as the message allows: answered
      JsonArray filter = new JsonArray().add("state").add("=").add("RUNNING");
      for (int i = 0; i < 12; i++) {
        filter = new JsonArray().add("OR").add(new JsonArray().add(filter));
      }
      JsonObject deepFilters =
          c.call("core.get_jobs", new JsonArray().add(new JsonArray().add(filter)));
      assertEquals(new JsonArray(), deepFilters.getJsonArray("result"), deepFilters.encode());
      // the connection is still served
      assertEquals("pong", c.call("core.ping", new JsonArray()).getString("result"));
    }
  }

  private static String realtime(int interval) {
    return "reporting.realtime:{\"interval\":" + interval + "}";
  }

  private static void expectReady(WsClient c, Object id) {
    JsonObject answer =
        c.next(
            m ->
                id.equals(m.getValue("id"))
                    || m.getJsonArray("subs", new JsonArray()).contains(id));
    assertEquals(Messages.ready(id), answer, "sub " + id);
  }

  private static void expectRefused(WsClient c, Object id, String reason) {
    JsonObject answer =
        c.next(
            m ->
                id.equals(m.getValue("id"))
                    || m.getJsonArray("subs", new JsonArray()).contains(id));
    assertEquals("nosub", answer.getString("msg"), answer.encode());
    assertEquals("ETOOMANYREFS", answer.getJsonObject("error").getString("errname"));
    assertEquals(reason, answer.getJsonObject("error").getString("reason"));
  }

  @Test
  void eachDistinctSourceArgumentCountsPerConnectionAndPerNode(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("limits.max-sources-per-connection", 3)
                .put("limits.max-sources-per-node", 5));
    int port = herald.httpPort();
    String perConnection = "Too many event source instances on this connection (limit 3)";
    String perNode = "Too many event source instances on this node (limit 5)";
    try (WsClient a = WsClient.connect(vertx, port);
        WsClient b = WsClient.connect(vertx, port)) {
      for (int i = 1; i <= 3; i++) {
        a.send(Messages.sub("a" + i, realtime(i)));
        expectReady(a, "a" + i);
      }
      a.send(Messages.sub("a4", realtime(4)));
      expectRefused(a, "a4", perConnection);
      // the same argument again (spelt differently) shares an instance: it does not count
      a.send(Messages.sub("a1-again", "reporting.realtime:{ \"interval\": 1 }"));
      expectReady(a, "a1-again");
      for (int i = 4; i <= 5; i++) {
        b.send(Messages.sub("b" + i, realtime(i)));
        expectReady(b, "b" + i);
      }
      assertEquals(5, herald.stats().sources.get());
      b.send(Messages.sub("b6", realtime(6)));
      expectRefused(b, "b6", perNode);
      b.send(Messages.sub("b1", realtime(1)));
      expectReady(b, "b1");
      // leaving frees both counts
      a.send(Messages.unsub("a3"));
      a.sync();
      TestNodes.eventually(5000, "instance 3 stopped", () -> herald.stats().sources.get() == 4);
      a.send(Messages.sub("a7", realtime(7)));
      expectReady(a, "a7");
    }
    TestNodes.eventually(5000, "every instance stopped", () -> herald.stats().sources.get() == 0);
  }

  /** Reads until the server closes the socket; the milliseconds from {@code since} to then. */
  private static long closedAfterMs(
      java.net.Socket socket, long since, java.util.function.IntPredicate sendMore)
      throws java.io.IOException {
    socket.setSoTimeout(100);
    java.io.InputStream in = socket.getInputStream();
    for (int tick = 0; ; tick++) {
      try {
        if (in.read() < 0) {
          return (System.nanoTime() - since) / 1_000_000;
        }
      } catch (java.net.SocketTimeoutException stillOpen) {
        if ((System.nanoTime() - since) / 1_000_000 > 15_000) {
          throw new AssertionError("still open after 15 s");
        }
        if (sendMore.test(tick)) {
          try {
            socket.getOutputStream().write('x');
          } catch (java.net.SocketException reset) {
            return (System.nanoTime() - since) / 1_000_000;
          }
        }
      } catch (java.net.SocketException reset) {
        return (System.nanoTime() - since) / 1_000_000;
      }
    }
  }

  @Test
  void aRequestNotCompletedWithinTheHandshakeTimeoutIsClosedWhileQuietWebsocketsStayOpen(
      Vertx vertx) throws Exception {
    Node herald =
        TestNodes.standalone(
            vertx,
            new JsonObject()
                .put("http.handshake-timeout-ms", 1000)
                .put("ws.ping-interval-ms", 60_000)
                .put("ws.idle-timeout-ms", 120_000));
    int port = herald.httpPort();
    try (WsClient quiet = WsClient.connect(vertx, port);
        java.net.Socket dripping = new java.net.Socket("127.0.0.1", port);
        java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
      long start = System.nanoTime();
      dripping
          .getOutputStream()
          .write(
              ("GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nX-Slow: ")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // one more header byte every 100 ms: a read-idle timeout would never fire
      long drippingMs = closedAfterMs(dripping, start, tick -> true);
      long silentMs = closedAfterMs(silent, start, tick -> false);
      assertTrue(drippingMs >= 900 && drippingMs < 3000, "dripping closed after " + drippingMs);
      assertTrue(silentMs < 3000, "silent closed after " + silentMs);
      // the websocket, upgraded before and quiet since (no server write either), is unaffected
      quiet.expectOpenFor(1000);
      assertEquals("pong", quiet.call("core.ping", new JsonArray()).getString("result"));
      assertEquals(1, herald.stats().connections.get());
    }
  }

  private static final String SECRET = "password=hunter2 at /srv/internal/db.sqlite";

  @Test
  void failuresTellClientsNothingInternal(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    herald
        .registerMethod(
            new MethodDescriptor(
                "test.fail",
                "Throws.",
                null,
                call -> {
                  throw new IllegalStateException(SECRET);
                }))
        .await();
    herald
        .registerJobMethod(
            "test.failjob",
            "A job that fails.",
            null,
            job -> io.vertx.core.Future.failedFuture(new IllegalStateException(SECRET)))
        .await();
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      JsonObject error = c.call("test.fail", new JsonArray()).getJsonObject("error");
      assertEquals("EFAULT", error.getString("errname"));
      assertTrue(
          error.getString("reason").matches("Internal error \\(logged as [0-9a-f-]{36}\\)"),
          error.encode());
      assertTrue(error.getValue("trace") == null, error.encode());
      assertTrue(!error.encode().contains("hunter2"), error.encode());

      c.subscribe("all", "*");
      long id = c.call("test.failjob", new JsonArray()).getLong("result");
      JsonObject failed = c.next(Messages.jobIn(id, "FAILED")).getJsonObject("fields");
      assertEquals("IllegalStateException: " + SECRET, failed.getString("exception"));
      assertEquals(
          "IllegalStateException: " + SECRET, failed.getJsonObject("exc_info").getString("repr"));
      assertTrue(!failed.encode().contains("\\tat "), "no stack frames: " + failed.encode());
      assertTrue(!failed.encode().contains("io.herald"), "no internal names: " + failed.encode());
      assertEquals(SECRET, failed.getString("error"), "a job's error is its exception's message");

      // ids that are not job ids are refused, not truncated into another id
      for (String bad : new String[] {"99999999999999999999999", "9007199254740992", "1.5", "-1"}) {
        JsonObject answer =
            c.call("core.job_abort", new JsonArray("[" + bad + "]")).getJsonObject("error");
        assertEquals("VALIDATION", answer == null ? null : answer.getString("type"), bad);
      }
      JsonObject unknown =
          c.call("core.job_abort", new JsonArray().add(9007199254740991L)).getJsonObject("error");
      assertEquals("ENOENT", unknown.getString("errname"), "the largest id is an id");
    }
  }

  @Test
  void largeRepliesAndJobArgumentsAreBounded(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx, new JsonObject().put("ws.max-pending-bytes", 20_000));
    herald
        .registerJobMethod(
            "test.noop", "Succeeds.", null, job -> io.vertx.core.Future.succeededFuture(null))
        .await();
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("all", "*");
      JsonArray big = new JsonArray();
      for (int i = 0; i < 500; i++) {
        big.add("argument number " + i);
      }
      int argumentChars = big.encode().length();
      long id = c.call("test.noop", big).getLong("result");
      // every event of the job leaves the long arguments out, with their length
      JsonObject added = c.next(Messages.jobIn(id, "WAITING|RUNNING|SUCCESS"));
      JsonObject done = c.next(Messages.jobIn(id, "SUCCESS"));
      for (JsonObject event : List.of(added, done)) {
        assertEquals(new JsonArray(), event.getJsonObject("fields").getJsonArray("arguments"));
        assertEquals(argumentChars, event.getJsonObject("fields").getInteger("arguments_clipped"));
        assertTrue(event.encode().length() < 2_000, event.encode());
      }
      // the method answers them in full
      JsonObject query =
          c.call(
              "core.get_jobs",
              new JsonArray().add(new JsonArray().add(new JsonArray().add("id").add("=").add(id))));
      assertEquals(big, query.getJsonArray("result").getJsonObject(0).getJsonArray("arguments"));
      // a result larger than ws.max-pending-bytes is replaced by ENOBUFS; the connection stays
      for (int i = 0; i < 3; i++) {
        c.call("test.noop", big);
      }
      JsonObject tooLarge = c.call("core.get_jobs", new JsonArray());
      assertEquals(
          "ENOBUFS", tooLarge.getJsonObject("error").getString("errname"), tooLarge.encode());
      assertTrue(
          tooLarge
              .getJsonObject("error")
              .getString("reason")
              .startsWith("The result is too large"));
      assertEquals("pong", c.call("core.ping", new JsonArray()).getString("result"));
    }
  }
}

package io.herald.session;

import static io.herald.support.TestNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.herald.Roles;
import io.herald.auth.AccountStore;
import io.herald.auth.Auth;
import io.herald.auth.RoleBook;
import io.herald.auth.Tokens;
import io.herald.cluster.Membership;
import io.herald.config.Settings;
import io.herald.status.NodeStats;
import io.herald.support.TestNodes;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read-idle timeout of a {@link Connection} on a real websocket pair, without a node: the
 * server side is a bare HTTP server whose sockets become Connections with a clock the test sets,
 * and the heartbeat is called by the test (as the bridge's timer does) at the clock's time. Nothing
 * waits for time to pass.
 */
class ConnectionTest {

  /** The idle timeout: 30 s, in nanoseconds. */
  private static final long IDLE = 30_000_000_000L;

  private Vertx vertx;
  private HttpServer server;
  private final NodeStats stats = new NodeStats();

  /**
   * The connections' clock, in nanoseconds; {@link #reads} counts its reads (one per connection,
   * one per frame).
   */
  private final AtomicLong clock = new AtomicLong();

  private final AtomicInteger reads = new AtomicInteger();
  private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
  private final List<Connection> closed = new CopyOnWriteArrayList<>();
  private volatile Context serverContext;

  /** Held: a client nothing refers to any more may be closed by Vert.x, mid-handshake. */
  private WebSocketClient connector;

  private WebSocket client;
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final Promise<Short> closeCode = Promise.promise();
  private volatile String closeReason;

  /** Authentication that lets anonymous connections do anything: these tests are not about it. */
  private static Auth anonymousAdmins(Vertx vertx) {
    Membership membership = Membership.standalone(vertx);
    return new Auth(
        vertx,
        new AccountStore(vertx, membership, Path.of("target", "connection-test-accounts.json")),
        new Tokens(membership, System::currentTimeMillis),
        new Auth.Settings(Set.of(Roles.FULL_ADMIN), 4096, 0, 10, 60_000, RoleBook.parse("")),
        System::currentTimeMillis);
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    SessionServices services =
        new SessionServices(
            Settings.of(new JsonObject()),
            null,
            null,
            null,
            null,
            null,
            stats,
            anonymousAdmins(vertx),
            null,
            true);
    server =
        await(
            vertx
                .createHttpServer()
                .webSocketHandler(
                    ws -> {
                      serverContext = Vertx.currentContext();
                      accepted.add(
                          new Connection(
                              ws,
                              services,
                              () -> {
                                reads.incrementAndGet();
                                return clock.get();
                              },
                              closed::add));
                    })
                .listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /**
   * Connects a Vert.x client (which answers pings) at clock {@code at}; returns the server's side.
   */
  private Connection connect(long at) throws InterruptedException {
    clock.set(at);
    connector = vertx.createWebSocketClient();
    client = await(connector.connect(server.actualPort(), "127.0.0.1", "/websocket"));
    client.textMessageHandler(text -> received.add(new JsonObject(text)));
    client.closeHandler(
        v -> {
          closeReason = client.closeReason();
          closeCode.tryComplete(client.closeStatusCode());
        });
    Connection connection = accepted.poll(10, TimeUnit.SECONDS);
    assertEquals(1, reads.get(), "the connection read the clock when it was accepted");
    return connection;
  }

  /** The bridge's heartbeat, at the clock's current time, on the connection's event loop. */
  private void heartbeat(Connection connection) {
    await(
        OnContext.call(
            serverContext,
            () -> {
              connection.heartbeat(clock.get(), IDLE);
              return null;
            }));
  }

  /** A ping and its pong: the server has read every frame the client sent before it. */
  private void roundTrip(int id) throws InterruptedException {
    client.writeTextMessage(new JsonObject().put("msg", "ping").put("id", id).encode());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject pong = null;
    while (pong == null && !closeCode.future().isComplete() && System.nanoTime() < deadline) {
      pong = received.poll(20, TimeUnit.MILLISECONDS);
    }
    assertOpen();
    assertEquals(new JsonObject().put("msg", "pong").put("id", id), pong);
  }

  private static void eventually(String what, BooleanSupplier condition) {
    TestNodes.eventually(10_000, what, condition);
  }

  private void assertClosedForIdleness(Connection connection) {
    assertEquals((short) 4000, await(closeCode.future()));
    assertEquals("idle timeout", closeReason);
    eventually("released", () -> stats.connections.get() == 0);
    assertEquals(List.of(connection), closed);
  }

  private void assertOpen() {
    assertFalse(closeCode.future().isComplete(), "closed with " + closeCode.future().result());
    assertEquals(1, stats.connections.get());
  }

  /**
   * Starting at 0, below 0, and near the end of the long range, so that the clock wraps around
   * between two checks that keep the connection open ({@code MAX - 1.5 * IDLE}) or right at the one
   * that closes it ({@code MAX - 3 * IDLE}): System.nanoTime may be anywhere.
   */
  @ParameterizedTest
  @ValueSource(longs = {0, -2 * IDLE, Long.MAX_VALUE - 3 * IDLE / 2, Long.MAX_VALUE - 3 * IDLE})
  void aMessageFromTheClientCountsAsLivenessAndSilencePastTheTimeoutCloses(long start)
      throws Exception {
    Connection connection = connect(start);
    clock.set(start + IDLE);
    heartbeat(connection); // exactly the timeout since the connection opened: pinged, not closed
    roundTrip(1); // the client speaks at start + IDLE (its pong, then its ping)
    assertOpen();

    clock.set(start + 2 * IDLE);
    heartbeat(connection); // 2 * IDLE after it opened, but IDLE after it last spoke
    roundTrip(2);
    assertOpen();

    clock.set(start + 3 * IDLE + 1); // one nanosecond past the timeout since it last spoke
    heartbeat(connection);
    assertClosedForIdleness(connection);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, Long.MAX_VALUE - 3 * IDLE / 2, Long.MAX_VALUE - 4 * IDLE})
  void aClientThatOnlyAnswersPingsStaysOpen(long start) throws Exception {
    Connection connection = connect(start);
    for (int beat = 1; beat <= 3; beat++) {
      clock.set(start + beat * IDLE);
      int before = reads.get();
      heartbeat(connection);
      // The client's pong is a frame: the connection reads the clock for it.
      eventually("the pong arrived", () -> reads.get() == before + 1);
      assertOpen();
    }
    assertEquals(List.of(), List.copyOf(received), "nothing but pings from the server");

    // The last frame arrived at 3 * IDLE (the third pong): one nanosecond past the timeout after
    // it, it closes.
    clock.set(start + 4 * IDLE + 1);
    heartbeat(connection);
    assertClosedForIdleness(connection);
  }

  @Test
  void aSilentConnectionIsClosedAtTheFirstHeartbeatPastTheTimeout() throws Exception {
    Connection connection = connect(0);
    clock.set(IDLE + 1);
    heartbeat(connection);
    assertClosedForIdleness(connection);
    heartbeat(connection); // a closed connection's heartbeat does nothing
    assertEquals(1, closed.size());
  }
}

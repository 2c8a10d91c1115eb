package io.herald;

import static io.herald.support.Messages.ping;
import static io.herald.support.Messages.pong;
import static io.herald.support.Messages.sub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.session.Connection;
import io.herald.support.RawWebSocket;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outbound side under pressure: a client that stops reading is closed with 4001 once its
 * pending bytes pass {@code ws.max-pending-bytes} (unless the event keeps only its latest value),
 * healthy clients lose nothing, and a client that stops answering pings is closed with 4000. (The
 * slow-consumer policy itself is {@code session.OutboundTest}'s, the idle-timeout decision {@code
 * session.ConnectionTest}'s.)
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerIT {

  private static final int MAX_PENDING = 65536;

  /** The slow client's receive buffer: small, so that the server's side fills up soon. */
  private static final int SLOW_RCVBUF = 4096;

  private static final String FIREHOSE = "test.firehose";
  private static final String LATEST = "test.latest";
  private static final String GAUGE = "test.gauge";
  private static final String PAYLOAD = "x".repeat(4000);

  /**
   * Netty's default write-buffer high-water mark: a socket's writeQueueFull() turns true past it.
   */
  private static final long NETTY_HIGH_WATER_MARK = 64 * 1024;

  /**
   * Emissions for a latest-value-only event: ~10 MB, more than the socket buffers of a loopback TCP
   * link hold.
   */
  private static final int LATEST_VALUES = 2500;

  private Vertx vertx;
  private Node herald;
  private final AtomicReference<SourceSink> gauge = new AtomicReference<>();

  /**
   * The Vert.x instance the node runs on: the extension's (Java NIO, frames through Netty's
   * pipeline); {@link SlowConsumerEpollIT} runs these tests on the native transport.
   */
  Vertx nodeVertx(Vertx extensions) {
    return extensions;
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = nodeVertx(vertx);
    herald =
        TestNodes.standalone(this.vertx, new JsonObject().put("ws.max-pending-bytes", MAX_PENDING));
    herald.registerEvent(EventDescriptor.broadcast(FIREHOSE).build()).await();
    herald.registerEvent(EventDescriptor.broadcast(LATEST).latestValueOnly(true).build()).await();
    herald
        .registerSource(
            EventDescriptor.source(GAUGE).latestValueOnly(true).build(),
            argument ->
                new EventSource() {
                  @Override
                  public Future<Void> start(SourceSink sink) {
                    gauge.set(sink);
                    return Future.succeededFuture();
                  }

                  @Override
                  public Future<Void> stop() {
                    gauge.set(null);
                    return Future.succeededFuture();
                  }
                })
        .await();
  }

  private static EventMessage event(int seq) {
    return EventMessage.changed(seq, new JsonObject().put("seq", seq).put("payload", PAYLOAD));
  }

  /**
   * A client that subscribes, then never reads again; returns once its subscription is live on the
   * server.
   */
  private RawWebSocket stalledSubscriber(String name, int subscriptionsBefore) {
    RawWebSocket slow = RawWebSocket.connect(herald.httpPort(), SLOW_RCVBUF, true);
    slow.send(sub("slow", name));
    TestNodes.eventually(
        5000,
        "slow subscription live",
        () -> herald.stats().subscriptions.get() == subscriptionsBefore + 1);
    return slow;
  }

  @Test
  void clientThatStopsReadingIsClosedWith4001WhileAHealthyClientGetsEveryEventInOrder() {
    try (WsClient healthy = WsClient.connect(vertx, herald.httpPort())) {
      healthy.subscribe("h", FIREHOSE);
      RawWebSocket slow = stalledSubscriber(FIREHOSE, 1);
      int seq = 0;
      long publishedBytes = 0;
      long bound = 64L * 1024 * 1024;
      while (herald.stats().connections.get() == 2) {
        assertTrue(
            publishedBytes < bound,
            "the stalled client was not dropped after " + publishedBytes + " bytes");
        // Published as fast as the healthy client takes them: it must never look slow itself.
        for (int k = 0; k < 20; k++) {
          herald.publish(FIREHOSE, event(++seq)).await();
          publishedBytes += PAYLOAD.length();
        }
        for (int expected = seq - 19; expected <= seq; expected++) {
          assertEquals(
              expected, healthy.next().getInteger("id"), "healthy client: every event, in order");
        }
      }
      int dropped = seq;
      for (int k = 0; k < 20; k++) {
        herald.publish(FIREHOSE, event(++seq)).await();
      }
      for (int expected = dropped + 1; expected <= seq; expected++) {
        assertEquals(
            expected, healthy.next().getInteger("id"), "healthy client: unaffected by the drop");
      }
      assertFalse(healthy.isClosed());

      // What reached the stalled client is a gap-free prefix, then the close frame: the rest was
      // not kept.
      assertEquals("ready", slow.nextMessage().getString("msg"));
      int received = 0;
      RawWebSocket.Frame frame;
      while ((frame = slow.nextFrame()).opcode() != RawWebSocket.OP_CLOSE) {
        if (frame.opcode() == RawWebSocket.OP_TEXT) {
          assertEquals(++received, frame.json().getInteger("id"));
        }
      }
      assertEquals(4001, frame.closeCode());
      assertEquals("slow consumer", new String(frame.payload(), 2, frame.payload().length - 2));
      // What the kernel took reached the client; the rest was held by the server when it gave up,
      // and then
      // discarded: at most Netty's high-water mark plus max-pending-bytes (plus a frame each, and
      // the events
      // published after the drop within the same batch of 20).
      long frameBytes = event(1).toFrame(FIREHOSE).encode().length();
      long heldAndDiscarded = (dropped - received) * frameBytes;
      assertTrue(
          received < dropped,
          "events were dropped, not buffered: got " + received + " of " + dropped);
      assertTrue(
          heldAndDiscarded <= NETTY_HIGH_WATER_MARK + MAX_PENDING + 22 * frameBytes,
          "the server held at most its bound for the stalled client, not "
              + heldAndDiscarded
              + " bytes");
      slow.close();
      TestNodes.eventually(
          5000, "slow connection released", () -> herald.stats().subscriptions.get() == 1);
    }
  }

  /**
   * A client that never reads again cannot take the 4001 close frame either (it is queued behind
   * what it did not read), and Vert.x's closing timeout starts only once that frame is written: the
   * node drops the TCP connection itself {@code Connection.CLOSE_GRACE_MS} after its close. What
   * the client finds when it reads at last is what the kernel had taken, then the end of the stream
   * without a close frame (with the connection left open, it would be the close frame).
   */
  @Test
  void aClientThatNeverReadsAgainHasItsConnectionDroppedAfterTheCloseGrace() throws Exception {
    RawWebSocket slow = stalledSubscriber(FIREHOSE, 0);
    int seq = 0;
    while (herald.stats().connections.get() == 1) {
      assertTrue(seq < 20_000, "the stalled client was not closed");
      herald.publish(FIREHOSE, event(++seq)).await();
    }
    Thread.sleep(Connection.CLOSE_GRACE_MS + 2000);
    slow.socket().setSoTimeout(10_000);
    RawWebSocket.Frame frame;
    try {
      while ((frame = slow.nextFrame()).opcode() != RawWebSocket.OP_CLOSE) {
        assertEquals(RawWebSocket.OP_TEXT, frame.opcode());
      }
      throw new AssertionError("the close frame came: the connection was not dropped");
    } catch (UncheckedIOException end) {
      assertTrue(
          end.getCause() instanceof java.io.EOFException
              || end.getCause() instanceof java.net.SocketException,
          "the stream ended: " + end.getCause());
    }
    slow.close();
  }

  @Test
  void latestValueOnlyBroadcastKeepsAStalledClientOpenAndDeliversTheLatestValue() {
    assertLatestValueDelivered(LATEST, seq -> herald.publish(LATEST, event(seq)).await());
  }

  @Test
  void latestValueOnlySourceKeepsAStalledClientOpenAndDeliversTheLatestValue() {
    assertLatestValueDelivered(GAUGE, seq -> gauge.get().emit(event(seq)));
  }

  private void assertLatestValueDelivered(String name, IntConsumer emit) {
    try (WsClient observer = WsClient.connect(vertx, herald.httpPort())) {
      observer.subscribe("o", name);
      RawWebSocket slow = stalledSubscriber(name, 1);
      int last = LATEST_VALUES;
      for (int seq = 1; seq <= last; seq++) {
        emit.accept(seq);
      }
      // Far past what the socket buffers and max-pending-bytes hold: a non-coalescing event would
      // have closed it.
      assertTrue((long) last * PAYLOAD.length() > 32L * MAX_PENDING);
      // The observer shares the stalled client's fan-out: once it has the last value, so has the
      // server handled
      // every emission for the stalled client too.
      observer.skipUntil(m -> m.getInteger("id") == last);
      assertEquals(2, herald.stats().connections.get(), "the stalled client is still connected");
      assertLatestValueArrives(slow, name, last);
    }
  }

  private void assertLatestValueArrives(RawWebSocket slow, String name, int last) {
    assertEquals("ready", slow.nextMessage().getString("msg"));
    int received = 0;
    int previous = 0;
    while (previous < last) {
      JsonObject message = slow.nextMessage();
      if ("pong".equals(message.getString("msg"))) {
        continue;
      }
      assertEquals(name, message.getString("collection"));
      int seq = message.getInteger("id");
      assertTrue(seq > previous, "values in order: " + seq + " after " + previous);
      previous = seq;
      received++;
    }
    assertTrue(received < last, "intermediate values were skipped, not buffered: got " + received);
    slow.send(ping("after"));
    JsonObject pong;
    do {
      pong = slow.nextMessage();
    } while (!"after".equals(pong.getString("id")));
    assertEquals(pong("after"), pong);
    assertEquals(2, herald.stats().connections.get());
    slow.close();
  }

  /**
   * The end-to-end check of the idle timeout: the node's heartbeat timer, its settings and the real
   * clock. The decision itself (the boundary, pongs and messages as liveness, a clock that wraps
   * around) is {@code session.ConnectionTest}'s, on a clock the test sets instead of waiting.
   */
  @Test
  void clientThatNeverAnswersPingsIsClosedWith4000WhileAVertxClientStaysOpen() {
    herald =
        restart(new JsonObject().put("ws.ping-interval-ms", 100).put("ws.idle-timeout-ms", 500));
    try (WsClient normal = WsClient.connect(vertx, herald.httpPort());
        RawWebSocket mute = RawWebSocket.connect(herald.httpPort())) {
      long start = System.nanoTime();
      int pings = 0;
      RawWebSocket.Frame frame;
      while ((frame = mute.nextFrame()).opcode() != RawWebSocket.OP_CLOSE) {
        if (frame.opcode() == RawWebSocket.OP_PING) {
          pings++;
        }
      }
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(4000, frame.closeCode());
      assertTrue(pings >= 2, "pinged before being closed, got " + pings);
      // Measured from our side of the handshake, a little after the server started counting.
      assertTrue(elapsedMs >= 400, "not closed before the idle timeout: " + elapsedMs + " ms");

      // The Vert.x client connected first and has said nothing but pongs: had they not counted, the
      // heartbeat
      // that closed the mute client (or an earlier one) would have closed it too, and this ping
      // would go unanswered.
      normal.send(ping("alive"));
      assertEquals(pong("alive"), normal.next());
      assertFalse(normal.isClosed(), "a client that answers pings stays open");
      TestNodes.eventually(
          5000, "the mute connection released", () -> herald.stats().connections.get() == 1);
    }
  }

  private Node restart(JsonObject overrides) {
    TestNodes.await(herald.close());
    return TestNodes.standalone(vertx, overrides);
  }
}

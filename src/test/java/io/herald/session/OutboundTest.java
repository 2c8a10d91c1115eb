package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The slow-consumer policy of {@link Outbound} on a scripted socket: straight to the socket while
 * it is not full, then an in-order queue (latest-value-only frames replaced in place) drained as
 * the socket drains, closed through onOverflow once the queue passes its byte limit. No Vert.x, no
 * network.
 */
class OutboundTest {

  /** A socket whose write buffer takes {@code room} more frames before it is full. */
  private static final class FakeSocket implements Outbound.Socket {
    final List<byte[]> written = new ArrayList<>();
    int room = Integer.MAX_VALUE;
    boolean closed;
    Runnable onDrain;

    @Override
    public boolean writeQueueFull() {
      return room <= 0;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public void write(byte[] frame) {
      if (closed) {
        throw new IllegalStateException("written after close");
      }
      written.add(frame);
      room--;
    }

    @Override
    public void drainHandler(Runnable onDrain) {
      this.onDrain = onDrain;
    }

    /** The socket flushed: it takes {@code frames} more, and says so. */
    void drain(int frames) {
      room = frames;
      onDrain.run();
    }

    List<String> texts() {
      return written.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }
  }

  private final FakeSocket socket = new FakeSocket();
  private int overflows;

  private Outbound outbound(long maxPendingBytes) {
    return new Outbound(socket, maxPendingBytes, () -> overflows++);
  }

  private static byte[] frame(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesStraightToTheSocketWhileItIsNotFull() {
    Outbound out = outbound(10);
    byte[] big = frame("x".repeat(100)); // far past the limit: only waiting bytes count
    out.send(frame("a"), null);
    out.send(big, null);
    out.send(frame("b"), "key");
    assertEquals(List.of("a", "x".repeat(100), "b"), socket.texts());
    assertSame(big, socket.written.get(1), "the shared array itself, not a copy");
    assertEquals(0, overflows);
  }

  @Test
  void waitsInOrderWhileTheSocketIsFull() {
    Outbound out = outbound(1000);
    socket.room = 1;
    out.send(frame("a"), null);
    out.send(frame("b"), null);
    out.send(frame("c"), null);
    assertEquals(List.of("a"), socket.texts(), "b and c wait");

    // The socket has room again but has not said so yet: a new frame queues behind the waiting
    // ones.
    socket.room = 10;
    out.send(frame("d"), null);
    assertEquals(List.of("a"), socket.texts());

    socket.onDrain.run();
    assertEquals(List.of("a", "b", "c", "d"), socket.texts());
    out.send(frame("e"), null);
    assertEquals(
        List.of("a", "b", "c", "d", "e"),
        socket.texts(),
        "queue empty: straight to the socket again");
  }

  @Test
  void aDrainWritesUntilTheSocketIsFullAgainAndTheNextDrainGoesOn() {
    Outbound out = outbound(1000);
    socket.room = 0;
    for (int i = 1; i <= 5; i++) {
      out.send(frame("m" + i), null);
    }
    socket.drain(2);
    assertEquals(List.of("m1", "m2"), socket.texts());
    out.send(frame("m6"), null);
    socket.drain(1);
    assertEquals(List.of("m1", "m2", "m3"), socket.texts());
    socket.drain(0);
    assertEquals(List.of("m1", "m2", "m3"), socket.texts(), "still full: nothing written");
    socket.drain(100);
    assertEquals(List.of("m1", "m2", "m3", "m4", "m5", "m6"), socket.texts());
    socket.drain(100);
    assertEquals(6, socket.written.size(), "nothing written twice");
  }

  @Test
  void aLatestValueOnlyFrameReplacesTheWaitingOneInPlace() {
    Outbound out = outbound(1000);
    socket.room = 0;
    out.send(frame("a"), null);
    out.send(frame("gauge=1"), "gauge");
    out.send(frame("b"), null);
    out.send(frame("gauge=2"), "gauge");
    out.send(frame("other=1"), "other");
    out.send(frame("gauge=3"), "gauge");
    out.send(frame("c"), null);
    socket.drain(100);
    assertEquals(
        List.of("a", "gauge=3", "b", "other=1", "c"),
        socket.texts(),
        "the latest value, where the first waiting one was");

    // Once the waiting value has gone out, the next one waits at the end like any frame.
    socket.room = 0;
    out.send(frame("d"), null);
    out.send(frame("gauge=4"), "gauge");
    socket.drain(100);
    assertEquals(List.of("a", "gauge=3", "b", "other=1", "c", "d", "gauge=4"), socket.texts());
  }

  @Test
  void framesWithoutAKeyAreNeverCoalescedEvenWhenEqual() {
    Outbound out = outbound(1000);
    socket.room = 0;
    out.send(frame("same"), null);
    out.send(frame("same"), null);
    socket.drain(100);
    assertEquals(List.of("same", "same"), socket.texts());
  }

  @Test
  void waitingBytesAreCountedAcrossCoalescingAndDrains() {
    Outbound out = outbound(10);
    socket.room = 0;
    out.send(frame("aaaa"), "k"); // 4
    out.send(frame("bbbbbb"), null); // 10: at the limit, not past it
    assertEquals(0, overflows);
    out.send(frame("cc"), "k"); // replaces 4 bytes by 2: 8
    out.send(frame("dd"), null); // 10
    assertEquals(0, overflows, "a replaced frame's bytes no longer count");

    socket.drain(2); // "cc" and "bbbbbb" go out: 2 waiting
    assertEquals(List.of("cc", "bbbbbb"), socket.texts());
    out.send(frame("eeeeeeee"), null); // 10
    assertEquals(0, overflows, "drained frames' bytes no longer count");
    out.send(frame("f"), null); // 11
    assertEquals(1, overflows);
  }

  @Test
  void overflowPastTheLimitClosesOnceClearsTheQueueAndDropsWhatFollows() {
    Outbound out = outbound(10);
    socket.room = 0;
    out.send(frame("12345"), null);
    out.send(frame("67890"), null);
    assertEquals(0, overflows, "exactly at the limit");
    out.send(frame("x"), null);
    assertEquals(1, overflows, "one byte past it");

    out.send(frame("y"), null);
    out.send(frame("zzzzzzzzzzzz"), null);
    socket.room = 100;
    out.send(frame("after"), null);
    socket.onDrain.run();
    assertEquals(
        List.of(), socket.texts(), "nothing waiting is written, nothing after the overflow either");
    assertEquals(1, overflows, "onOverflow runs once");
  }

  @Test
  void aSingleFrameLargerThanTheLimitOverflowsOnlyWhenItMustWait() {
    Outbound out = outbound(10);
    out.send(frame("x".repeat(11)), null);
    assertEquals(0, overflows);
    socket.room = 0;
    out.send(frame("x".repeat(11)), null);
    assertEquals(1, overflows);
  }

  @Test
  void nothingIsWrittenOnceTheSocketIsClosed() {
    Outbound out = outbound(1000);
    socket.room = 0;
    out.send(frame("waiting"), null);
    socket.closed = true;
    socket.room = 100;
    out.send(frame("after close"), null);
    socket.onDrain.run();
    assertEquals(List.of(), socket.texts());
    assertEquals(0, overflows, "a closed socket is not a slow consumer");
  }

  @Test
  void clearDropsWhatWaitsAndResetsTheCount() {
    Outbound out = outbound(10);
    socket.room = 0;
    out.send(frame("1234567890"), null);
    out.clear();
    out.send(frame("abcdefghij"), null);
    assertEquals(0, overflows, "the cleared bytes no longer count");
    socket.drain(100);
    assertEquals(List.of("abcdefghij"), socket.texts());
  }

  /** The node's counts (GET /metrics): delivered, coalesced, dropped, and the bytes waiting. */
  @Test
  void countsWhatItDeliversCoalescesAndDropsAndTheBytesWaiting() {
    io.herald.status.NodeStats stats = new io.herald.status.NodeStats();
    Outbound out = new Outbound(socket, 10, () -> overflows++, stats);
    out.send(frame("a"), null);
    socket.room = 0;
    out.send(frame("bb"), "k");
    out.send(frame("ccc"), "k"); // replaces bb in place
    out.send(frame("dd"), null);
    assertEquals(1, stats.delivered.sum());
    assertEquals(1, stats.coalesced.sum());
    assertEquals(5, stats.queuedBytes.get(), "ccc and dd wait");
    socket.drain(1);
    assertEquals(2, stats.delivered.sum());
    assertEquals(2, stats.queuedBytes.get(), "dd waits");
    out.send(frame("eeeeeeeeee"), null); // 12 bytes waiting > 10: overflow, both discarded
    assertEquals(1, overflows);
    assertEquals(2, stats.dropped.sum());
    assertEquals(0, stats.queuedBytes.get());
    out.send(frame("f"), null); // after the overflow: dropped
    assertEquals(3, stats.dropped.sum());
    assertEquals(2, stats.delivered.sum());
  }
}

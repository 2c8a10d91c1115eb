package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrameType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a client websocket receives until the server closes it: its data frames in order (type,
 * final flag, payload). Frames are added on the client's event loop and read once it has closed.
 */
final class ReceivedFrames {

  private record Frame(WebSocketFrameType type, boolean isFinal, byte[] payload) {}

  private final List<Frame> frames = new ArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  /** Records the data frames {@code ws} receives from now on. */
  static ReceivedFrames of(WebSocket ws) {
    ReceivedFrames received = new ReceivedFrames();
    ws.frameHandler(
        f -> {
          if (f.isText() || f.isBinary() || f.isContinuation()) {
            received.frames.add(new Frame(f.type(), f.isFinal(), f.binaryData().getBytes()));
          }
        });
    ws.closeHandler(v -> received.closed.complete(null));
    return received;
  }

  /**
   * Waits (10 s at most) for the close, then asserts that each of {@code payloads} came as one
   * final text frame, in order, and nothing else.
   */
  void assertTextFrames(List<byte[]> payloads) throws Exception {
    closed.get(10, TimeUnit.SECONDS);
    assertEquals(payloads.size(), frames.size(), "one frame per write");
    for (int i = 0; i < payloads.size(); i++) {
      Frame frame = frames.get(i);
      assertEquals(WebSocketFrameType.TEXT, frame.type(), "frame " + i);
      assertTrue(frame.isFinal(), "frame " + i);
      assertArrayEquals(payloads.get(i), frame.payload(), "frame " + i);
    }
  }
}

package io.herald.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared-frame write path: every payload length class of the frame header reaches each of
 * several sockets as one intact text frame when one array is written to them all, and its frames
 * keep their place among the frames Vert.x writes itself.
 */
@ExtendWith(VertxExtension.class)
class SharedFrameWriterTest {

  @Test
  void sharedFramesOfEveryHeaderSizeReachEverySocketInOrder(Vertx vertx) throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    for (int n : new int[] {0, 1, 125, 126, 300, 65535, 65536, 70000}) {
      byte[] p = new byte[n];
      Arrays.fill(p, (byte) ('a' + n % 26));
      payloads.add(p);
    }
    byte[] repeated = "{\"msg\":\"changed\"}".getBytes(UTF_8);
    payloads.add(repeated);
    payloads.add(repeated); // the same array twice in a row: the kept frame again
    byte[] vertxFrame = "{\"msg\":\"result\"}".getBytes(UTF_8);
    List<byte[]> expected = new ArrayList<>();
    for (byte[] p : payloads) {
      expected.add(p);
      expected.add(vertxFrame); // one of Vert.x's own after each
    }
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  assertTrue(DirectWrites.apply(ws));
                  SharedFrameWriter writer = SharedFrameWriter.of(ws);
                  assertNotNull(writer, VertxInternals.WEBSOCKET_INTERNAL + " not usable");
                  ws.textMessageHandler(
                      go -> {
                        assertFalse(ws.isClosed());
                        for (byte[] p : payloads) {
                          writer.accept(p);
                          ws.writeTextMessage(new String(vertxFrame, UTF_8));
                        }
                        ws.close();
                      });
                })
            .listen(0, "127.0.0.1")
            .await();
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    List<WebSocket> sockets = new ArrayList<>();
    List<List<Object[]>> received = new ArrayList<>();
    List<CompletableFuture<Void>> closed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      WebSocket ws = client.connect(server.actualPort(), "127.0.0.1", "/").await();
      List<Object[]> frames = new ArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      ws.frameHandler(
          f -> {
            if (f.isText() || f.isBinary() || f.isContinuation()) {
              frames.add(new Object[] {f.type(), f.isFinal(), f.binaryData().getBytes()});
            }
          });
      ws.closeHandler(v -> done.complete(null));
      sockets.add(ws);
      received.add(frames);
      closed.add(done);
    }
    // all three at once: the fan-outs of the three sockets interleave on the server's loop
    sockets.forEach(ws -> ws.writeTextMessage("go"));
    for (int s = 0; s < sockets.size(); s++) {
      closed.get(s).get(10, TimeUnit.SECONDS);
      List<Object[]> frames = received.get(s);
      assertEquals(expected.size(), frames.size(), "one frame per write");
      for (int f = 0; f < expected.size(); f++) {
        assertEquals(WebSocketFrameType.TEXT, frames.get(f)[0]);
        assertEquals(true, frames.get(f)[1]);
        assertArrayEquals(expected.get(f), (byte[]) frames.get(f)[2], "frame " + f);
      }
    }
    client.close().await();
    server.close().await();
  }

  @Test
  void theFrameHeaderOfEachLengthClass() {
    assertHeader(0, 0x81, 0x00);
    assertHeader(125, 0x81, 125);
    assertHeader(126, 0x81, 126, 0x00, 126);
    assertHeader(65535, 0x81, 126, 0xFF, 0xFF);
    assertHeader(65536, 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0);
  }

  private static void assertHeader(int length, int... header) {
    ByteBuf frame = SharedFrameWriter.encode(new byte[length], UnpooledByteBufAllocator.DEFAULT);
    try {
      assertEquals(header.length + length, frame.readableBytes());
      for (int i = 0; i < header.length; i++) {
        assertEquals(header[i], frame.getUnsignedByte(i), "byte " + i + " of " + length);
      }
    } finally {
      frame.release();
    }
  }
}

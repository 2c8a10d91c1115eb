package io.herald.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.RawWebSocket;
import io.herald.support.TestCerts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared-frame write path: every payload length class of the frame header reaches each of
 * several sockets as one intact text frame when one array is written to them all, and its frames
 * keep their place among the frames Vert.x writes itself; over epoll they are sent directly, and a
 * frame the kernel takes only in part is completed through the pipeline, in order.
 */
@ExtendWith(VertxExtension.class)
class SharedFrameWriterTest {

  @Test
  void overJavaNioFramesGoThroughThePipeline(Vertx vertx) throws Exception {
    assertFalse(vertx.isNativeTransportEnabled());
    sharedFramesOfEveryHeaderSizeReachEverySocketInOrder(
        vertx, new HttpServerOptions(), new WebSocketClientOptions(), false);
  }

  @Test
  void overEpollFramesAreSentDirectly() throws Exception {
    Vertx vertx = nativeVertx();
    try {
      sharedFramesOfEveryHeaderSizeReachEverySocketInOrder(
          vertx, new HttpServerOptions(), new WebSocketClientOptions(), true);
    } finally {
      vertx.close().await();
    }
  }

  /** Under TLS a frame must go through the TLS handler: never sent directly. */
  @Test
  void overEpollWithTlsFramesGoThroughTheTlsHandler(@TempDir Path dir) throws Exception {
    Vertx vertx = nativeVertx();
    TestCerts.Pair pair = TestCerts.selfSigned(dir, "server");
    try {
      sharedFramesOfEveryHeaderSizeReachEverySocketInOrder(
          vertx,
          new HttpServerOptions()
              .setSsl(true)
              .setKeyCertOptions(
                  new PemKeyCertOptions()
                      .setCertPath(pair.cert().toString())
                      .setKeyPath(pair.key().toString())),
          new WebSocketClientOptions()
              .setSsl(true)
              .setVerifyHost(false)
              .setTrustOptions(pair.trust()),
          false);
    } finally {
      vertx.close().await();
    }
  }

  /**
   * A client that does not read: the kernel takes the first frames whole, then part of one, then
   * nothing; the rest waits in Netty's buffer, and what the client reads in the end is every frame
   * intact and in order, Vert.x's own among them.
   */
  @Test
  void aFrameTheKernelTakesInPartIsCompletedInOrder() throws Exception {
    Vertx vertx = nativeVertx();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      byte[] p = new byte[i % 100 == 99 ? 20 : 4000];
      Arrays.fill(p, (byte) ('a' + i % 26));
      byte[] index = String.format("%05d", i).getBytes(UTF_8);
      System.arraycopy(index, 0, p, 0, index.length);
      expected.add(p);
    }
    CompletableFuture<Long> left = new CompletableFuture<>();
    try {
      HttpServer server =
          vertx
              // a fixed send buffer: the kernel's autotuning cannot grow it past the 12 MB sent
              .createHttpServer(new HttpServerOptions().setSendBufferSize(64 * 1024))
              .webSocketHandler(
                  ws -> {
                    assertTrue(DirectWrites.apply(ws));
                    SharedFrameWriter writer = SharedFrameWriter.of(ws);
                    ChannelHandlerContext ctx = VertxInternals.channelContext(ws);
                    ws.textMessageHandler(
                        go -> {
                          for (byte[] p : expected) {
                            if (p.length == 20) {
                              ws.writeTextMessage(new String(p, UTF_8)); // one of Vert.x's own
                            } else {
                              writer.accept(p);
                            }
                          }
                          left.complete(
                              SharedFrameWriter.directSocket(ctx) == null
                                  ? -1
                                  : ctx.channel()
                                      .unsafe()
                                      .outboundBuffer()
                                      .totalPendingWriteBytes());
                        });
                  })
              .listen(0, "127.0.0.1")
              .await();
      try (RawWebSocket client = RawWebSocket.connect(server.actualPort(), 64 * 1024, true)) {
        client.sendFrame(RawWebSocket.OP_TEXT, "go".getBytes(UTF_8));
        long waiting = left.get(10, TimeUnit.SECONDS);
        assertTrue(waiting > 0, "not sent directly, or the kernel took all of it: " + waiting);
        for (int i = 0; i < expected.size(); i++) {
          RawWebSocket.Frame frame = client.nextFrame();
          assertEquals(RawWebSocket.OP_TEXT, frame.opcode());
          assertArrayEquals(expected.get(i), frame.payload(), "frame " + i);
        }
      }
      server.close().await();
    } finally {
      vertx.close().await();
    }
  }

  private static Vertx nativeVertx() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    assertTrue(
        vertx.isNativeTransportEnabled(),
        () -> "no native transport: " + vertx.unavailableNativeTransportCause());
    return vertx;
  }

  private static void sharedFramesOfEveryHeaderSizeReachEverySocketInOrder(
      Vertx vertx,
      HttpServerOptions serverOptions,
      WebSocketClientOptions clientOptions,
      boolean direct)
      throws Exception {
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
    List<Boolean> sentDirectly = new CopyOnWriteArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    for (byte[] p : payloads) {
      expected.add(p);
      expected.add(vertxFrame); // one of Vert.x's own after each
    }
    HttpServer server =
        vertx
            .createHttpServer(serverOptions)
            .webSocketHandler(
                ws -> {
                  assertTrue(DirectWrites.apply(ws));
                  SharedFrameWriter writer = SharedFrameWriter.of(ws);
                  assertNotNull(writer, VertxInternals.WEBSOCKET_INTERNAL + " not usable");
                  sentDirectly.add(
                      SharedFrameWriter.directSocket(VertxInternals.channelContext(ws)) != null);
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
            clientOptions.setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    List<WebSocket> sockets = new ArrayList<>();
    List<ReceivedFrames> received = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      WebSocket ws = client.connect(server.actualPort(), "127.0.0.1", "/").await();
      received.add(ReceivedFrames.of(ws));
      sockets.add(ws);
    }
    // all three at once: the fan-outs of the three sockets interleave on the server's loop
    sockets.forEach(ws -> ws.writeTextMessage("go"));
    for (ReceivedFrames frames : received) {
      frames.assertTextFrames(expected);
    }
    assertEquals(List.of(direct, direct, direct), sentDirectly);
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

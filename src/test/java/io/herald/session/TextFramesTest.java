package io.herald.session;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TextFrames is the one use of a Vert.x internal (WebSocketFrameImpl): these tests fail when a
 * Vert.x upgrade moves that class or changes what it does, before a client would notice. See
 * TextFrames for what to do then.
 */
@ExtendWith(VertxExtension.class)
class TextFramesTest {

  private static final String TEXT =
      "{\"msg\":\"changed\",\"collection\":\"x\",\"fields\":{\"name\":\"é ✓ 😀\"}}";

  @Test
  void aFinalTextFrameOverTheCallersBytes() {
    byte[] utf8 = TEXT.getBytes(UTF_8);
    WebSocketFrame frame = TextFrames.text(utf8);
    assertEquals(WebSocketFrameType.TEXT, frame.type());
    assertTrue(frame.isText());
    assertFalse(frame.isBinary());
    assertFalse(frame.isContinuation());
    assertTrue(frame.isFinal());
    assertEquals(TEXT, frame.textData());
    assertArrayEquals(utf8, frame.binaryData().getBytes());
  }

  @Test
  void theFrameSharesTheArrayInsteadOfCopyingIt() {
    byte[] utf8 = TEXT.getBytes(UTF_8);
    WebSocketFrame frame = TextFrames.text(utf8);
    // zero copy: a change to the caller's array shows through the frame (Herald never changes a
    // sent frame)
    utf8[2] = 'M';
    assertEquals('M', frame.binaryData().getByte(2));
    assertEquals(utf8.length, frame.binaryData().length());
  }

  @Test
  void aNonFinalTextFrame() {
    WebSocketFrame frame = TextFrames.text("{\"msg\":".getBytes(UTF_8), false);
    assertTrue(frame.isText());
    assertFalse(frame.isFinal());
  }

  @Test
  void theImplementationIsTheNewestPlaceOnTheClasspath() throws Exception {
    String expected = null;
    for (String name : TextFrames.IMPLEMENTATIONS) {
      try {
        Class.forName(name);
        expected = name;
        break;
      } catch (ClassNotFoundException e) {
        // not in this Vert.x
      }
    }
    assertEquals(expected, TextFrames.implementation());
  }

  /**
   * The socket's writeFrame accepts the frame (it casts to Vert.x's own class) and a client gets
   * one text frame.
   */
  @Test
  void oneSharedArrayReachesEverySocketAsOneTextFrame(Vertx vertx) throws Exception {
    byte[] shared = TEXT.getBytes(UTF_8);
    HttpServer server =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws ->
                    ws.textMessageHandler(
                        go ->
                            ws.writeFrame(TextFrames.text(shared))
                                .onComplete(written -> ws.close())))
            .listen(0, "127.0.0.1")
            .await();
    WebSocketClient client = vertx.createWebSocketClient();
    for (int i = 0; i < 2; i++) {
      WebSocket ws = client.connect(server.actualPort(), "127.0.0.1", "/").await();
      ReceivedFrames received = ReceivedFrames.of(ws);
      ws.writeTextMessage("go");
      received.assertTextFrames(List.of(TEXT.getBytes(UTF_8)));
    }
    client.close().await();
    server.close().await();
  }
}

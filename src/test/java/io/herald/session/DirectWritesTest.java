package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Vert.x internals {@link DirectWrites} reaches by name are where it looks, and a websocket
 * given the direct queue still writes in order, reports a full buffer and drains. If the first test
 * fails after a Vert.x upgrade, see {@link DirectWrites}: until it is fixed, websockets keep
 * Vert.x's cross-thread queue (4.7 KB each) and Vert.x's per-socket frame encoding.
 */
@ExtendWith(VertxExtension.class)
class DirectWritesTest {

  @Test
  void theInternalsAreWhereDirectWritesLooks() {
    assertTrue(DirectWrites.available(), DirectWrites.DIRECT_QUEUE + " not usable");
  }

  @Test
  void aDirectWebsocketWritesInOrderFillsAndDrains(Vertx vertx) throws Exception {
    int frames = 2000;
    CompletableFuture<String> server = new CompletableFuture<>();
    HttpServer http =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  if (!DirectWrites.apply(ws)) {
                    server.complete("not applied");
                    return;
                  }
                  ChannelHandlerContext ctx = VertxInternals.channelContext(ws);
                  // a small buffer, so that the burst below passes its high-water mark
                  ctx.channel()
                      .config()
                      .setWriteBufferWaterMark(new WriteBufferWaterMark(512, 1024));
                  ws.textMessageHandler(
                      go -> {
                        boolean sawFull = false;
                        for (int i = 0; i < frames; i++) {
                          ws.writeTextMessage("{\"n\":" + i + "}");
                          sawFull |= ws.writeQueueFull();
                        }
                        boolean full = sawFull;
                        ws.drainHandler(v -> server.complete(full ? "drained" : "never full"));
                      });
                })
            .listen(0, "127.0.0.1")
            .await();
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = client.connect(http.actualPort(), "127.0.0.1", "/").await();
    List<String> got = new ArrayList<>();
    CompletableFuture<Void> all = new CompletableFuture<>();
    ws.textMessageHandler(
        t -> {
          got.add(t);
          if (got.size() == frames) {
            all.complete(null);
          }
        });
    ws.writeTextMessage("go");
    assertEquals("drained", server.get(10, TimeUnit.SECONDS));
    all.get(10, TimeUnit.SECONDS);
    for (int i = 0; i < frames; i++) {
      assertEquals("{\"n\":" + i + "}", got.get(i));
    }
    assertFalse(ws.isClosed());
    client.close().await();
    http.close().await();
  }
}

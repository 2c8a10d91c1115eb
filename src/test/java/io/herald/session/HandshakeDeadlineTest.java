package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vert.x internal {@link HandshakeDeadline} reaches by name is where it looks. If this fails
 * after a Vert.x upgrade, find where the websocket's {@code ChannelHandlerContext} went and update
 * {@link VertxInternals#WEBSOCKET_INTERNAL}; until then nodes run without the handshake deadline.
 */
class HandshakeDeadlineTest {

  @Test
  void theWebsocketsChannelIsReachable() {
    assertNotNull(
        VertxInternals.CHANNEL_CONTEXT,
        VertxInternals.WEBSOCKET_INTERNAL + " channelHandlerContext()");
  }

  @Test
  void theDeadlineIsAWriteIdleTimeoutOnly() {
    HttpServerOptions options = HandshakeDeadline.apply(new HttpServerOptions(), 1500);
    assertEquals(1500, options.getWriteIdleTimeout());
    assertEquals(TimeUnit.MILLISECONDS, options.getIdleTimeoutUnit());
    assertEquals(0, options.getReadIdleTimeout());
    assertEquals(0, options.getIdleTimeout());
  }
}

package io.herald.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadline of {@code http.handshake-timeout-ms}: a TCP connection must have its HTTP request
 * answered (for a websocket, its upgrade done) within it, however slowly it sends its bytes.
 *
 * <p>Vert.x 5.0 has no request-head timeout, and its per-connection hook at TCP accept is internal
 * ({@code HttpServerImpl.listen} hands each accepted channel to {@code NetServerInternal}'s connect
 * handler; the public {@code HttpServer.connectionHandler} fires only with the first request of an
 * HTTP/1 connection). What it does have is Netty's {@link IdleStateHandler}, which {@code
 * NetServerImpl.initChannel} puts on every accepted channel when an idle timeout is set. Its
 * <em>write</em>-idle timer starts at accept and restarts only when a write completes; the server
 * writes nothing to a connection before it answers the request, so a write-idle timeout is a
 * deadline from accept to the answer, which a client dripping one byte at a time cannot push back
 * (a read-idle timeout could be). Vert.x closes the channel when it fires.
 *
 * <p>A websocket must not inherit it: once upgraded it may go without server writes for longer
 * (pings come every {@code ws.ping-interval-ms}; a slow consumer's writes do not complete), and its
 * liveness is the connection's own idle timeout (4000). So {@link #lift} removes the handler from
 * the upgraded channel. That takes Vert.x's internal interface {@value
 * VertxInternals#WEBSOCKET_INTERNAL} (its public {@code channelHandlerContext()}), reached by name
 * ({@link VertxInternals}). Should it move, the node runs without the deadline (and says so at
 * start) rather than with websockets closed by it; {@code HandshakeDeadlineTest} fails then, and
 * {@code LimitsIT} checks both sides on a real node.
 */
public final class HandshakeDeadline {

  private static final Logger LOG = LoggerFactory.getLogger(HandshakeDeadline.class);

  private HandshakeDeadline() {}

  /**
   * {@code options} with the deadline, a write-idle timeout of {@code ms}; unchanged if websockets
   * could not be freed of it.
   */
  public static HttpServerOptions apply(HttpServerOptions options, long ms) {
    if (VertxInternals.CHANNEL_CONTEXT == null) {
      LOG.warn(
          "http.handshake-timeout-ms is not applied: {} is not in this Vert.x version",
          VertxInternals.WEBSOCKET_INTERNAL);
      return options;
    }
    return options
        .setWriteIdleTimeout(Math.toIntExact(ms))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Removes the deadline from an upgraded websocket's channel (on its event loop). */
  public static void lift(ServerWebSocket ws) {
    if (VertxInternals.CHANNEL_CONTEXT == null) {
      return;
    }
    ChannelHandlerContext ctx = VertxInternals.channelContext(ws);
    if (ctx == null) {
      throw new IllegalStateException("cannot reach the websocket's channel");
    }
    ChannelPipeline pipeline = ctx.pipeline();
    if (pipeline.get(IdleStateHandler.class) != null) {
      pipeline.remove(IdleStateHandler.class);
    }
  }
}

package io.herald.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.ServerWebSocket;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The Netty channel under a Vert.x websocket, reached through Vert.x's internal interface {@value
 * #WEBSOCKET_INTERNAL} (its public {@code channelHandlerContext()}), by name: the classes that need
 * the channel ({@link HandshakeDeadline}, {@link DirectWrites}, {@link SharedFrameWriter}) degrade
 * to Vert.x's public behaviour when it is gone, and their tests fail then.
 */
final class VertxInternals {

  static final String WEBSOCKET_INTERNAL = "io.vertx.core.internal.http.WebSocketInternal";

  /** {@code ChannelHandlerContext channelHandlerContext()} of a Vert.x websocket, or null. */
  static final MethodHandle CHANNEL_CONTEXT = resolve();

  private VertxInternals() {}

  private static MethodHandle resolve() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(
              Class.forName(WEBSOCKET_INTERNAL, false, ServerWebSocket.class.getClassLoader()),
              "channelHandlerContext",
              MethodType.methodType(ChannelHandlerContext.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /**
   * The context of Vert.x's connection handler, the last of {@code ws}'s pipeline; null when this
   * Vert.x does not expose it or {@code ws} is not Vert.x's. Writes through it must be made on the
   * channel's event loop.
   */
  static ChannelHandlerContext channelContext(ServerWebSocket ws) {
    if (CHANNEL_CONTEXT == null || !CHANNEL_CONTEXT.type().parameterType(0).isInstance(ws)) {
      return null;
    }
    try {
      return (ChannelHandlerContext) CHANNEL_CONTEXT.invoke(ws);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Drops {@code ws}'s TCP connection if it is still open, whatever it still has to send; returns
   * whether it did. For a client that does not take its close frame ({@link Connection}). Called on
   * the channel's event loop. The close bypasses the pipeline: Vert.x's handler would turn it into
   * one more graceful close, waiting for the same stuck close frame.
   */
  static boolean abort(ServerWebSocket ws) {
    ChannelHandlerContext ctx = channelContext(ws);
    if (ctx == null || !ctx.channel().isOpen()) {
      return false;
    }
    Channel.Unsafe unsafe = ctx.channel().unsafe();
    unsafe.close(unsafe.voidPromise());
    return true;
  }
}

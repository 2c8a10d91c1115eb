package io.herald.session;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.ServerWebSocket;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes Vert.x's cross-thread write queue off a server websocket, so that its writes go straight to
 * Netty, as they do on an HTTP connection in Vert.x's strict thread mode.
 *
 * <p>Why: Vert.x 5.0 gives every connection an {@code OutboundMessageQueue} so that any thread may
 * write to it. The queue's jctools MPSC queue allocates its first 1025-slot chunk up front: 4.7 KB
 * of heap per websocket, a third of what an idle subscribed connection costs. Strict thread mode
 * ({@code HttpServerOptions.setStrictThreadMode}, which the bridge turns on) drops it from HTTP
 * connections, but Vert.x 5.0.7 creates the upgraded websocket's connection without it. This class
 * puts the same direct queue Vert.x uses in strict mode ({@code
 * VertxConnection$DirectOutboundMessageQueue}: write now, writable while the channel is) in place
 * of the websocket connection's queue, right after the upgrade and before anything is written.
 *
 * <p>Contract: after {@link #apply}, every write to the websocket must be made on its event loop.
 * Herald's are ({@link Connection} and {@link Outbound} are confined to it; pings come from the
 * bridge's timer on the same loop), and so are Vert.x's own (close, pong). A write from another
 * thread would still reach the socket (Netty hands it to the loop) but could overtake the writes
 * made on the loop meanwhile. {@code writeQueueFull()} then means that Netty's channel is past its
 * high-water mark, and the drain handler runs when it is writable again.
 *
 * <p>The internals are reached by name, like {@link TextFrames}': should they move, {@link #apply}
 * does nothing (the node says so once) and the websocket keeps Vert.x's queue, correct and 4.7 KB
 * larger. {@code DirectWritesTest} fails then.
 */
final class DirectWrites {

  private static final Logger LOG = LoggerFactory.getLogger(DirectWrites.class);

  static final String CONNECTION = "io.vertx.core.net.impl.VertxConnection";
  static final String DIRECT_QUEUE = CONNECTION + "$DirectOutboundMessageQueue";
  static final String HANDLER = "io.vertx.core.net.impl.VertxHandler";

  /** {@code VertxConnection.outboundMessageQueue}, or null when not found. */
  private static final Field QUEUE;

  /** {@code new DirectOutboundMessageQueue(VertxConnection outer)}. */
  private static final Constructor<?> DIRECT;

  /** {@code VertxHandler.getConnection()}: the connection behind a channel. */
  private static final Method GET_CONNECTION;

  static {
    Field queue = null;
    Constructor<?> direct = null;
    Method getConnection = null;
    try {
      ClassLoader loader = ServerWebSocket.class.getClassLoader();
      Class<?> connection = Class.forName(CONNECTION, false, loader);
      queue = connection.getDeclaredField("outboundMessageQueue");
      queue.setAccessible(true);
      direct = Class.forName(DIRECT_QUEUE, false, loader).getDeclaredConstructor(connection);
      direct.setAccessible(true);
      getConnection = Class.forName(HANDLER, false, loader).getMethod("getConnection");
      if (!queue.getType().isAssignableFrom(direct.getDeclaringClass())) {
        throw new NoSuchFieldException("outboundMessageQueue no longer takes the direct queue");
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn(
          "websockets keep Vert.x's cross-thread write queue (4.7 KB each): {} ({})",
          e.toString(),
          "see DirectWrites");
      queue = null;
      direct = null;
      getConnection = null;
    }
    QUEUE = queue;
    DIRECT = direct;
    GET_CONNECTION = getConnection;
  }

  private DirectWrites() {}

  /** Whether this Vert.x has what {@link #apply} needs. */
  static boolean available() {
    return QUEUE != null;
  }

  /**
   * Gives {@code ws}'s connection the direct queue; on its event loop, right after the upgrade.
   * Returns whether it did (false: it keeps Vert.x's queue).
   */
  static boolean apply(ServerWebSocket ws) {
    if (QUEUE == null) {
      return false;
    }
    ChannelHandlerContext ctx = VertxInternals.channelContext(ws);
    if (ctx == null || !ctx.executor().inEventLoop()) {
      return false;
    }
    try {
      Object connection = GET_CONNECTION.invoke(ctx.handler());
      if (connection == null || !QUEUE.getDeclaringClass().isInstance(connection)) {
        return false;
      }
      QUEUE.set(connection, DIRECT.newInstance(connection));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("kept Vert.x's write queue on a websocket: {}", e.toString());
      return false;
    }
  }
}

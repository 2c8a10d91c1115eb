package io.herald.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A websocket's frames written below Vert.x's frame encoding: each event's text frame, header and
 * payload, is built once per event loop, and the same buffer goes to every socket of the loop.
 *
 * <p>A server-to-client frame is not masked, so an event's frame is the same bytes for every
 * subscriber. Vert.x's write path would, for every socket, wrap the payload in a frame object and
 * have Netty's encoder allocate a buffer and copy header and payload into it. Here the fan-out
 * writes the same {@code byte[]} to its sockets one after the other on one event loop: the first
 * write builds the frame in a direct buffer, kept per thread while the same array comes; each
 * socket gets a retained duplicate of it (a view, no copy), written and flushed on the context of
 * Vert.x's connection handler, which lies after the websocket encoder (a {@code ByteBuf} passes it
 * unchanged). The frame last built on a thread is kept until the next one, or until the thread
 * ends.
 *
 * <p>On Netty's native transport, with no handler between that context and the socket that changes
 * or watches outbound bytes (TLS, compression, an idle timer), a frame skips the pipeline
 * altogether: one {@code send(2)} of the shared buffer's memory, no duplicate, no entry in Netty's
 * outbound buffer. Only when that buffer is empty, unflushed writes included, so that the socket's
 * bytes keep the order of its writes; what the kernel does not take goes on through the pipeline,
 * and every later write with it until the buffer has drained. A failed send is left to the
 * pipeline's write, which meets the same error and closes the channel as Netty does.
 *
 * <p>Only over {@link DirectWrites}: then Vert.x's own writes (answers, pings, the close frame) go
 * straight to the channel too, so that all of a socket's writes reach it in the order they are
 * made, on its event loop; {@code writeQueueFull()} is Netty's channel past its high-water mark,
 * which is what the slow-consumer policy of {@link Outbound} reads. Not used with per-message
 * compression, which needs Vert.x's per-socket encoder. Confined to the socket's event loop.
 */
final class SharedFrameWriter implements Consumer<byte[]> {

  /**
   * {@code -Dio.herald.session.perSocketFrames=true}: Vert.x's per-socket frame encoding for every
   * socket, for the benchmark's A/B of this path (peer {@code herald-framed}); not a setting.
   */
  static final boolean DISABLED = Boolean.getBoolean("io.herald.session.perSocketFrames");

  /** The frame last built on this thread, and the payload it was built from. */
  private static final FastThreadLocal<LastFrame> LAST =
      new FastThreadLocal<>() {
        @Override
        protected LastFrame initialValue() {
          return new LastFrame();
        }

        @Override
        protected void onRemoval(LastFrame last) {
          last.release(); // the event loop's thread ends (Netty removes its thread locals then)
        }
      };

  private final ChannelHandlerContext ctx;

  /** A write failure means the channel is closing: ignored, as Vert.x's write path does. */
  private final VoidChannelPromise ignoreFailure;

  /**
   * The channel's socket when frames may be sent to it directly ({@link #directSocket}), else null.
   */
  private final Socket socket;

  private SharedFrameWriter(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.ignoreFailure = new VoidChannelPromise(ctx.channel(), false);
    this.socket = directSocket(ctx);
  }

  /**
   * The shared-frame writer of {@code ws}, whose writes {@link DirectWrites#apply} made direct;
   * null when it cannot be one.
   */
  static SharedFrameWriter of(ServerWebSocket ws) {
    ChannelHandlerContext ctx = DISABLED ? null : VertxInternals.channelContext(ws);
    return ctx == null ? null : new SharedFrameWriter(ctx);
  }

  /** Writes one final text frame whose payload is {@code frame}. */
  @Override
  public void accept(byte[] frame) {
    ByteBuf shared = LAST.get().frameFor(frame, ctx.alloc());
    if (socket == null || !sendDirect(shared)) {
      ctx.writeAndFlush(shared.retainedDuplicate(), ignoreFailure);
    }
  }

  /**
   * Sends {@code frame} with one {@code send(2)} when nothing of the channel's is waiting in
   * Netty's outbound buffer (so that the socket's bytes keep the order of its writes); whatever the
   * kernel does not take now goes on through the pipeline. Returns whether the frame was taken care
   * of.
   */
  private boolean sendDirect(ByteBuf frame) {
    ChannelOutboundBuffer waiting = ctx.channel().unsafe().outboundBuffer();
    if (waiting == null
        || waiting.totalPendingWriteBytes() != 0
        || !socket.isOpen()
        || !frame.hasMemoryAddress()) {
      return false; // closed (the pipeline fails the write), or earlier bytes still to go
    }
    int start = frame.readerIndex();
    int end = frame.writerIndex();
    int sent;
    try {
      sent = socket.sendAddress(frame.memoryAddress(), start, end);
    } catch (IOException e) {
      return false; // the pipeline's write meets the error again and closes the channel
    }
    if (start + sent < end) {
      ctx.writeAndFlush(frame.retainedSlice(start + sent, end - start - sent), ignoreFailure);
    }
    return true;
  }

  /**
   * The socket under {@code ctx} when a frame may skip the pipeline: a native (epoll) socket, and
   * no handler between {@code ctx} and the socket that would change outbound bytes or watch them
   * (TLS, compression, an idle timer) — the websocket frame encoder passes a {@code ByteBuf}
   * unchanged. Else null. Read once per connection: its pipeline is complete by then.
   */
  static Socket directSocket(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    if (!(channel instanceof UnixChannel unix) || !(unix.fd() instanceof Socket socket)) {
      return null;
    }
    for (Map.Entry<String, ChannelHandler> entry : ctx.pipeline()) {
      ChannelHandler handler = entry.getValue();
      if (handler == ctx.handler()) {
        return socket;
      }
      if (handler instanceof ChannelOutboundHandler
          && !(handler instanceof WebSocketFrameEncoder)) {
        return null;
      }
    }
    return null;
  }

  /** Builds a final, unmasked text frame around {@code payload} in a new direct buffer. */
  static ByteBuf encode(byte[] payload, ByteBufAllocator alloc) {
    int n = payload.length;
    int header = n <= 125 ? 2 : n <= 0xFFFF ? 4 : 10;
    ByteBuf frame = alloc.directBuffer(header + n);
    frame.writeByte(0x81); // FIN, text
    if (n <= 125) {
      frame.writeByte(n);
    } else if (n <= 0xFFFF) {
      frame.writeByte(126);
      frame.writeShort(n);
    } else {
      frame.writeByte(127);
      frame.writeLong(n);
    }
    frame.writeBytes(payload);
    return frame;
  }

  /**
   * One thread's last frame. The payload array is held too, so that its identity cannot be taken by
   * a new array while the frame is kept.
   */
  private static final class LastFrame {
    private byte[] payload;
    private ByteBuf frame;

    ByteBuf frameFor(byte[] p, ByteBufAllocator alloc) {
      if (p != payload) {
        ByteBuf built = encode(p, alloc);
        if (frame != null) {
          frame.release(); // the duplicates still being written hold their own references
        }
        frame = built;
        payload = p;
      }
      return frame;
    }

    void release() {
      if (frame != null) {
        frame.release();
        frame = null;
        payload = null;
      }
    }
  }
}

package io.herald.session;

import io.herald.status.NodeStats;
import io.vertx.core.http.ServerWebSocket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bounded outbound side of one connection, and its slow-consumer policy.
 *
 * <p>Frames go straight to the socket while Netty's write buffer is below its high-water mark. Past
 * it they wait here, in order, until the socket drains. A frame with a coalescing key replaces a
 * waiting frame with the same key in place (latest value wins). When the waiting bytes exceed
 * {@code maxPendingBytes} the connection is closed through {@code onOverflow}: memory per
 * connection is bounded by Netty's mark plus that limit.
 *
 * <p>Frames are pre-encoded UTF-8 JSON shared by every socket they go to, so an event is encoded
 * once per node, not once per socket; its websocket frame is built once per event loop ({@link
 * SharedFrameWriter}), or once per socket by Vert.x over the same array ({@link TextFrames}) when
 * compression is on. Confined to the connection's event loop.
 */
final class Outbound {

  /**
   * The socket, as far as the policy needs it: a seam so that the policy can be tested without one
   * ({@link #of(ServerWebSocket, boolean)} is the real socket).
   */
  interface Socket {
    /** Whether the socket's write buffer is past its high-water mark. */
    boolean writeQueueFull();

    /** Whether the socket is closed (writing would throw). */
    boolean isClosed();

    /** Writes one text frame whose payload is {@code frame} itself. */
    void write(byte[] frame);

    /** Calls {@code onDrain} each time the write buffer falls back below its low-water mark. */
    void drainHandler(Runnable onDrain);

    /**
     * A websocket: its frames written by {@link SharedFrameWriter} (one frame buffer per event per
     * event loop) when {@code shared} and it can be, else through {@link TextFrames} (Vert.x
     * encodes each frame). {@code shared}: its writes are direct ({@link DirectWrites}) and it is
     * not compressed.
     */
    static Socket of(ServerWebSocket ws, boolean shared) {
      Consumer<byte[]> writer = shared ? SharedFrameWriter.of(ws) : null;
      return of(ws, writer != null ? writer : frame -> ws.writeFrame(TextFrames.text(frame)));
    }

    /** A websocket whose frames {@code writer} writes. */
    static Socket of(ServerWebSocket ws, Consumer<byte[]> writer) {
      return new Socket() {
        @Override
        public boolean writeQueueFull() {
          return ws.writeQueueFull();
        }

        @Override
        public boolean isClosed() {
          return ws.isClosed();
        }

        @Override
        public void write(byte[] frame) {
          writer.accept(frame);
        }

        @Override
        public void drainHandler(Runnable onDrain) {
          ws.drainHandler(v -> onDrain.run());
        }
      };
    }
  }

  private final Socket ws;
  private final long maxPendingBytes;
  private final Runnable onOverflow;

  /** The node's counts of frames delivered, coalesced and dropped, and of bytes waiting. */
  private final NodeStats stats;

  private final Map<Object, byte[]> pending = new LinkedHashMap<>();
  private long pendingBytes;
  private boolean overflowed;

  Outbound(Socket ws, long maxPendingBytes, Runnable onOverflow) {
    this(ws, maxPendingBytes, onOverflow, new NodeStats());
  }

  Outbound(Socket ws, long maxPendingBytes, Runnable onOverflow, NodeStats stats) {
    this.ws = ws;
    this.stats = stats;
    this.maxPendingBytes = maxPendingBytes;
    this.onOverflow = onOverflow;
    ws.drainHandler(this::drain);
  }

  void send(byte[] frame, Object coalesceKey) {
    // Closed: the peer's close frame has arrived but the close handler has not run yet. The socket
    // would throw.
    if (overflowed || ws.isClosed()) {
      stats.dropped.increment();
      return;
    }
    if (pending.isEmpty() && !ws.writeQueueFull()) {
      ws.write(frame);
      stats.delivered.increment();
      return;
    }
    Object key = coalesceKey != null ? coalesceKey : new Object();
    byte[] replaced = pending.put(key, frame);
    long added = frame.length - (replaced == null ? 0 : replaced.length);
    pendingBytes += added;
    stats.queuedBytes.addAndGet(added);
    if (replaced != null) {
      stats.coalesced.increment();
    }
    if (pendingBytes > maxPendingBytes) {
      overflowed = true;
      clear();
      onOverflow.run();
    }
  }

  /** Discards the waiting frames (counted as dropped). */
  void clear() {
    stats.dropped.add(pending.size());
    stats.queuedBytes.addAndGet(-pendingBytes);
    pending.clear();
    pendingBytes = 0;
  }

  private void drain() {
    if (ws.isClosed()) {
      return;
    }
    Iterator<byte[]> it = pending.values().iterator();
    while (it.hasNext() && !ws.writeQueueFull()) {
      byte[] frame = it.next();
      it.remove();
      pendingBytes -= frame.length;
      stats.queuedBytes.addAndGet(-frame.length);
      ws.write(frame);
      stats.delivered.increment();
    }
  }
}

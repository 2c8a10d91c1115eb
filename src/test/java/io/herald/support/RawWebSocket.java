package io.herald.support;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A websocket client written by hand over a plain {@link Socket}, for what a well-behaved client
 * never does: never read, never answer pings, vanish with a TCP reset. Blocking; used from the test
 * thread. It answers nothing on its own: pings are returned by {@link #nextFrame()} like any other
 * frame.
 */
public final class RawWebSocket implements AutoCloseable {

  public static final int OP_CONTINUATION = 0x0;
  public static final int OP_TEXT = 0x1;
  public static final int OP_BINARY = 0x2;
  public static final int OP_CLOSE = 0x8;
  public static final int OP_PING = 0x9;
  public static final int OP_PONG = 0xA;

  /** A server frame: its opcode and payload (close frames: 2-byte code, then the reason). */
  public record Frame(int opcode, byte[] payload) {

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }

    /** The close code of a close frame, or -1 when it carries none. */
    public int closeCode() {
      return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects and completes the opening handshake. */
  public static RawWebSocket connect(int port) {
    return connect(port, 0, true);
  }

  /**
   * Connects and sends the upgrade request.
   *
   * @param receiveBuffer the socket's receive buffer (0: the system default); small values make a
   *     non-reading client fill up quickly
   * @param awaitHandshake whether to read the {@code 101} answer now; when false the answer stays
   *     unread
   */
  public static RawWebSocket connect(int port, int receiveBuffer, boolean awaitHandshake) {
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout((int) WsClient.WAIT_MS);
      RawWebSocket ws = new RawWebSocket(socket);
      byte[] nonce = new byte[16];
      ThreadLocalRandom.current().nextBytes(nonce);
      String request =
          "GET /websocket HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + port
              + "\r\n"
              + "Upgrade: websocket\r\n"
              + "Connection: Upgrade\r\n"
              + "Sec-WebSocket-Key: "
              + Base64.getEncoder().encodeToString(nonce)
              + "\r\n"
              + "Sec-WebSocket-Version: 13\r\n\r\n";
      ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      if (awaitHandshake) {
        ws.readHandshake();
      }
      return ws;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the server's handshake answer, failing unless it is {@code 101 Switching Protocols}. */
  public void readHandshake() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the handshake: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String status = head.toString(StandardCharsets.US_ASCII).lines().findFirst().orElse("");
    if (!status.startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + status);
    }
  }

  public RawWebSocket send(JsonObject message) {
    return sendFrame(OP_TEXT, message.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one masked frame, as a client must. */
  public RawWebSocket sendFrame(int opcode, byte[] payload) {
    return sendFrame(true, opcode, payload);
  }

  /**
   * Sends one masked frame; {@code fin} false leaves its message open for continuation frames
   * (opcode 0).
   */
  public RawWebSocket sendFrame(boolean fin, int opcode, byte[] payload) {
    try {
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
      frame.write((fin ? 0x80 : 0) | opcode);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else if (payload.length < 65536) {
        frame.write(0x80 | 126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length);
      } else {
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) payload.length >>> shift));
        }
      }
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frame.write(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i & 3]);
      }
      out.write(frame.toByteArray());
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame from the server (fragments are not expected: Herald sends whole frames). */
  public Frame nextFrame() {
    try {
      return readFrame(in.readUnsignedByte());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A bounded window in which the server must not close the connection: reads what it sends for
   * {@code ms} (pings, which are not answered) and fails on a close frame, a text frame or the end
   * of the stream. Returns the frames.
   */
  public List<Frame> expectOpenFor(long ms) {
    List<Frame> frames = new ArrayList<>();
    long deadline = System.nanoTime() + ms * 1_000_000;
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return frames;
        }
        int b0;
        socket.setSoTimeout((int) left);
        try {
          b0 = in.readUnsignedByte();
        } catch (SocketTimeoutException windowOver) {
          return frames;
        } finally {
          socket.setSoTimeout((int) WsClient.WAIT_MS);
        }
        Frame frame = readFrame(b0);
        if (frame.opcode() != OP_PING && frame.opcode() != OP_PONG) {
          throw new AssertionError(
              "within the "
                  + ms
                  + " ms the connection had to stay quiet and open: opcode "
                  + frame.opcode()
                  + (frame.opcode() == OP_CLOSE ? " close " + frame.closeCode() : "")
                  + " "
                  + frame.text());
        }
        frames.add(frame);
      }
    } catch (EOFException e) {
      throw new AssertionError("connection closed within the " + ms + " ms it had to stay open", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rest of a frame whose first byte is {@code b0}; the timeout applies to each read. */
  private Frame readFrame(int b0) throws IOException {
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] mask = null;
    if ((b1 & 0x80) != 0) {
      mask = new byte[4];
      in.readFully(mask);
    }
    byte[] payload = new byte[Math.toIntExact(length)];
    in.readFully(payload);
    if (mask != null) {
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i & 3];
      }
    }
    return new Frame(b0 & 0x0F, payload);
  }

  /** The next text frame as JSON, skipping pings (which are not answered). */
  public JsonObject nextMessage() {
    while (true) {
      Frame frame = nextFrame();
      if (frame.opcode() == OP_TEXT) {
        return frame.json();
      }
      if (frame.opcode() != OP_PING && frame.opcode() != OP_PONG) {
        throw new AssertionError(
            "expected a text frame, got opcode " + frame.opcode() + " " + frame.text());
      }
    }
  }

  public InputStream input() {
    return in;
  }

  public Socket socket() {
    return socket;
  }

  /** Drops the connection with a TCP reset: no close frame, no FIN. */
  public void reset() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }
}

package io.herald.session;

import io.herald.protocol.CloseCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Assembles a connection's text frames into messages of at most {@code maxBytes}, strictly UTF-8.
 * Herald does this rather than Vert.x: Vert.x's aggregator reports an over-long fragmented message
 * only to the exception handler, leaving the socket open, and decodes invalid UTF-8 with
 * replacement characters.
 */
final class MessageAssembler {

  /** The message cannot be accepted: the connection closes with {@link #code}. */
  static final class Refused extends Exception {
    final transient CloseCode code;

    Refused(CloseCode code) {
      super(code.reason, null, false, false);
      this.code = code;
    }
  }

  private int maxBytes;

  /** The fragments so far of a text message whose last frame has not arrived. */
  private Buffer partial;

  MessageAssembler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** From the next frame on, messages of at most {@code maxBytes} (e.g. once logged in). */
  void limit(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The complete message this frame ends, or null (control frame, or more fragments to come). */
  String accept(WebSocketFrame frame) throws Refused {
    if (frame.isBinary()) {
      throw new Refused(CloseCode.UNSUPPORTED_DATA);
    }
    if (!frame.isText() && !frame.isContinuation()) {
      return null; // ping, pong, close: handled by Vert.x
    }
    Buffer data = frame.binaryData();
    if (frame.isText()) {
      partial = null;
    } else if (partial == null) {
      return null; // the rest of a message already refused
    }
    long size = (partial == null ? 0 : partial.length()) + data.length();
    if (size > maxBytes) {
      partial = null;
      throw new Refused(CloseCode.MESSAGE_TOO_BIG);
    }
    if (!frame.isFinal()) {
      partial = (partial == null ? Buffer.buffer() : partial).appendBuffer(data);
      return null;
    }
    Buffer message = partial == null ? data : partial.appendBuffer(data);
    partial = null;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(message.getBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Refused(CloseCode.INVALID_JSON);
    }
  }
}

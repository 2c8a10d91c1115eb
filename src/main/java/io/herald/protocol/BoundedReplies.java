package io.herald.protocol;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * A reply to a client, encoded, within the connection's outbound bound ({@code
 * ws.max-pending-bytes}): a {@code result} larger than the bound would close the connection as a
 * slow consumer however fast the client reads, so it is replaced by its error, {@code ENOBUFS}. Any
 * other message is encoded as it is (the connection's outbound queue then decides).
 */
public final class BoundedReplies {

  private BoundedReplies() {}

  public static byte[] encode(JsonObject message, long maxBytes) {
    byte[] bytes = message.encode().getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes || message.containsKey("error")) {
      return bytes;
    }
    JsonObject replaced;
    if ("result".equals(message.getString("msg"))) {
      replaced = ServerMessages.error(message.getValue("id"), tooLarge(bytes.length, maxBytes));
    } else if ("2.0".equals(message.getValue("jsonrpc")) && message.containsKey("result")) {
      replaced =
          JsonRpc.errorResponse(
              message.getValue("id"), JsonRpc.error(tooLarge(bytes.length, maxBytes)));
    } else {
      return bytes;
    }
    return replaced.encode().getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON-RPC batch's responses, each bounded as {@link #encode(JsonObject, long)} says. */
  public static byte[] encode(JsonArray responses, long maxBytes) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write('[');
    for (int i = 0; i < responses.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(encode(responses.getJsonObject(i), maxBytes));
    }
    out.write(']');
    return out.toByteArray();
  }

  private static ErrorDict tooLarge(int size, long maxBytes) {
    return ErrorDict.of(
        Errno.ENOBUFS,
        "The result is too large to send ("
            + size
            + " bytes; a reply may have at most "
            + maxBytes
            + ", ws.max-pending-bytes): ask for less (filters, select, limit)");
  }
}

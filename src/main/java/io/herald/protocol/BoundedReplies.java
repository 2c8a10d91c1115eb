package io.herald.protocol;

import io.herald.Errno;
import io.herald.ErrorDict;
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
    if (bytes.length <= maxBytes
        || !"result".equals(message.getString("msg"))
        || message.containsKey("error")) {
      return bytes;
    }
    return ServerMessages.error(
            message.getValue("id"),
            ErrorDict.of(
                Errno.ENOBUFS,
                "The result is too large to send ("
                    + bytes.length
                    + " bytes; a reply may have at most "
                    + maxBytes
                    + ", ws.max-pending-bytes): ask for less (filters, select, limit)"))
        .encode()
        .getBytes(StandardCharsets.UTF_8);
  }
}

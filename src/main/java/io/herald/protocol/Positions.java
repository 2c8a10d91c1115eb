package io.herald.protocol;

import java.nio.charset.StandardCharsets;

/** The {@code "position"} field of an event message of a subscription that asked for positions. */
public final class Positions {

  private Positions() {}

  /**
   * {@code frame} (a JSON object as encoded once by its producer) with {@code ,"position":"<p>"}
   * added before its closing brace: bytes copied, nothing parsed. {@code position} is what {@code
   * HistoryPosition.encode} writes: letters, digits and {@code ._:~-}, nothing to escape.
   */
  public static byte[] stamp(byte[] frame, String position) {
    byte[] field = (",\"position\":\"" + position + "\"}").getBytes(StandardCharsets.US_ASCII);
    int end = frame.length - 1;
    while (end > 0 && frame[end] != '}') {
      end--;
    }
    byte[] out = new byte[end + field.length];
    System.arraycopy(frame, 0, out, 0, end);
    System.arraycopy(field, 0, out, end, field.length);
    return out;
  }
}

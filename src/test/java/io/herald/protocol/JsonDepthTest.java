package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JsonDepthTest {

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  @Test
  void countsObjectsAndArraysInsideOneAnother() {
    assertFalse(JsonDepth.exceeds("1", 0));
    assertFalse(JsonDepth.exceeds(nested(32), 32));
    assertTrue(JsonDepth.exceeds(nested(33), 32));
    assertFalse(JsonDepth.exceeds("{\"a\":[1,{\"b\":[]}],\"c\":{}}", 4));
    assertTrue(JsonDepth.exceeds("{\"a\":[1,{\"b\":[]}],\"c\":{}}", 3));
    assertFalse(JsonDepth.exceeds("[[]][[]][[]]", 2), "siblings do not add up");
  }

  @Test
  void bracketsInStringsDoNotCount() {
    assertFalse(JsonDepth.exceeds("{\"a\":\"[[[[{{{{\"}", 1));
    assertFalse(
        JsonDepth.exceeds("{\"a\":\"\\\"[[[[\"}", 1), "an escaped quote stays in the string");
    assertFalse(JsonDepth.exceeds("[\"\\\\\"]", 1), "an escaped backslash ends before the quote");
  }

  @Test
  void aMessageTooDeepIsMalformedWithoutBeingParsedOrEchoed() {
    String deep =
        "{\"msg\":\"method\",\"id\":1,\"method\":\"core.ping\",\"params\":" + nested(100_000) + "}";
    MessageDecoder.Malformed e =
        assertThrows(MessageDecoder.Malformed.class, () -> MessageDecoder.decode(deep, 32));
    assertEquals("message nested deeper than 32 levels", e.getMessage());
    assertNull(e.offending);
  }

  @Test
  void aMessageAtTheLimitIsDecoded() throws Exception {
    String ok = "{\"msg\":\"method\",\"id\":1,\"method\":\"x.y\",\"params\":" + nested(31) + "}";
    assertTrue(MessageDecoder.decode(ok, 32) instanceof ClientMessage.Method);
  }
}

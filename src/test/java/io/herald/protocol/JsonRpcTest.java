package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonRpcTest {

  @Test
  void requestsNotificationsAndInvalidItems() throws Exception {
    JsonRpc.Message one = JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a.b\"}", 32);
    assertFalse(one.batch());
    assertEquals(new JsonRpc.Request(1, false, "a.b", new JsonArray()), one.items().get(0));
    JsonRpc.Message note =
        JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"method\":\"a.b\",\"params\":[1]}", 32);
    assertTrue(((JsonRpc.Request) note.items().get(0)).notification());
    JsonRpc.Message nullId =
        JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"a.b\"}", 32);
    assertFalse(
        ((JsonRpc.Request) nullId.items().get(0)).notification(), "id null is not a notification");
    JsonRpc.Message batch =
        JsonRpc.parse("[1,{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"a\"}]", 32);
    assertTrue(batch.batch());
    assertEquals(2, batch.items().size());
    assertTrue(batch.items().stream().allMatch(i -> i instanceof JsonRpc.Invalid));
    JsonRpc.Message empty = JsonRpc.parse("[]", 32);
    assertFalse(empty.batch(), "an empty array is answered with one response");
    assertThrows(JsonRpc.ParseError.class, () -> JsonRpc.parse("{", 32));
    assertThrows(
        JsonRpc.ParseError.class, () -> JsonRpc.parse("[".repeat(40) + "]".repeat(40), 32));
  }

  @Test
  void callErrorsMapToTheOriginalsCodes() {
    assertEquals(-32602, JsonRpc.error(ErrorDict.validation("x.y", "bad")).getInteger("code"));
    assertEquals(-32601, JsonRpc.error(ErrorDict.noMethod("x.y")).getInteger("code"));
    assertEquals(
        -32000,
        JsonRpc.error(
                ErrorDict.of(Errno.ETOOMANYREFS, "Too many concurrent calls on this connection"))
            .getInteger("code"));
    JsonObject call = JsonRpc.error(ErrorDict.of(Errno.EACCES, "Not authorized"));
    assertEquals(-32001, call.getInteger("code"));
    assertEquals("EACCES", call.getJsonObject("data").getString("errname"));
  }

  @Test
  void collectionUpdateWrapsTheFrameAsItsParams() {
    JsonObject frame = new JsonObject().put("msg", "added").put("collection", "a.b").put("id", 1);
    byte[] wrapped = JsonRpc.collectionUpdate(frame.encode().getBytes(StandardCharsets.UTF_8));
    assertEquals(
        JsonRpc.notification("collection_update", frame),
        new JsonObject(new String(wrapped, StandardCharsets.UTF_8)));
  }
}

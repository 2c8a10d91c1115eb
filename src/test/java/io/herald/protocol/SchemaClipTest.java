package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A small malformed request can draw neither a large validation error nor a long validation. */
class SchemaClipTest {

  private static final JsonObject BULK =
      new JsonObject()
          .put("type", "array")
          .put("minItems", 2)
          .put("maxItems", 2)
          .put(
              "prefixItems",
              new JsonArray()
                  .add(new JsonObject().put("type", "string"))
                  .add(
                      new JsonObject()
                          .put("type", "array")
                          .put("maxItems", 10_000)
                          .put("items", new JsonObject().put("type", "array"))));

  @Test
  void thirtyThousandWrongItemsAreOneQuickSmallFailure() {
    JsonArray items = new JsonArray();
    for (int i = 0; i < 30_000; i++) {
      items.add(1);
    }
    JsonArray params = new JsonArray().add("x").add(items);
    Schema.of(BULK).check(params, "core.bulk");
    long start = System.nanoTime();
    ErrorDict error = Schema.of(BULK).check(params, "core.bulk");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(1, error.extra().size(), error.toJson().encode());
    assertTrue(
        error
            .extra()
            .getJsonArray(0)
            .getString(1)
            .startsWith("The value does not match the schema"));
    assertTrue(error.toJson().encode().length() < 2000, error.toJson().encode());
    // listing 60,000 failures took ~300-500 ms here; stopping at the first takes a few
    assertTrue(ms < 100, "validation took " + ms + " ms");
  }

  @Test
  void aSmallInvalidValueHasItsFailuresListed() {
    ErrorDict error =
        Schema.of(BULK).check(new JsonArray().add("x").add(new JsonArray().add(1).add(2)), "b");
    assertEquals(
        "[\"b.1.0\",\"Instance type number is invalid. Expected array\",22]",
        error.extra().getJsonArray(2).encode());
  }

  @Test
  void longNamesAndMessagesAreClipped() {
    JsonObject closed = new JsonObject().put("type", "object").put("additionalProperties", false);
    JsonObject value = new JsonObject();
    for (int i = 0; i < 3; i++) {
      value.put(String.valueOf(i).repeat(2000), 1);
    }
    ErrorDict error = Schema.of(closed).check(value, "x");
    for (Object failure : error.extra()) {
      JsonArray f = (JsonArray) failure;
      assertTrue(f.getString(0).length() <= ErrorDict.MAX_ATTRIBUTE_CHARS, f.getString(0));
      assertTrue(f.getString(1).length() <= ErrorDict.MAX_MESSAGE_CHARS, f.getString(1));
    }
    assertTrue(error.toJson().encode().length() < 10_000, "" + error.toJson().encode().length());
  }
}

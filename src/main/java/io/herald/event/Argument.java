package io.herald.event;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * The argument of {@code name:arg}: JSON if it parses, otherwise the raw string. Two arguments that
 * differ only in spacing or key order have the same {@link #canonical} form and so share one source
 * instance.
 */
public final class Argument {

  private Argument() {}

  public static Object parse(String raw) {
    try {
      return Json.decodeValue(raw);
    } catch (DecodeException notJson) {
      return raw;
    }
  }

  /** Compact JSON with object keys sorted at every level. */
  public static String canonical(Object value) {
    return Json.encode(sorted(value));
  }

  private static Object sorted(Object value) {
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new TreeMap<>();
      object.forEach(e -> map.put(e.getKey(), sorted(e.getValue())));
      return new JsonObject(new java.util.LinkedHashMap<>(map));
    }
    if (value instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(v -> copy.add(sorted(v)));
      return copy;
    }
    return value;
  }
}

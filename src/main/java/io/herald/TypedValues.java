package io.herald;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The typed values of the original's clients. Their JSON decoder turns every object with exactly
 * one key {@code $date}, {@code $time}, {@code $set}, {@code $ipv4_interface} or {@code
 * $ipv6_interface}, and every object with exactly the keys {@code $type} and {@code $value}, into a
 * typed value — whatever the object means. Herald sends one typed value, {@code {"$date": <integer
 * ms since the epoch>}}, and nothing else of those shapes in what it describes (schemas): a schema
 * object of such a shape would break those clients' decoding of the whole message.
 *
 * <p>Schemas are made safe by {@link #normaliseSchema}: a {@code properties} map of such a shape (a
 * date field's {@code {"$date": {...}}}) becomes the equivalent {@code patternProperties}; anything
 * else of such a shape is refused.
 */
public final class TypedValues {

  private static final Set<String> SINGLE_KEYS =
      Set.of("$date", "$time", "$set", "$ipv4_interface", "$ipv6_interface");
  private static final Set<String> TYPE_AND_VALUE = Set.of("$type", "$value");

  /** Schema keywords whose values are data, not schemas: their objects are left as they are. */
  private static final Set<String> DATA_KEYWORDS = Set.of("const", "enum", "default", "examples");

  /**
   * JSON Schema of a date as Herald sends it: {@code {"$date": <integer ms>}}. Written with {@code
   * patternProperties} so that the schema itself is not mistaken for a date.
   */
  public static final JsonObject DATE_SCHEMA =
      new JsonObject()
          .put("type", "object")
          .put(
              "patternProperties",
              new JsonObject().put(exactKey("$date"), new JsonObject().put("type", "integer")))
          .put("required", new JsonArray().add("$date"))
          .put("additionalProperties", false);

  private TypedValues() {}

  /** {@code {"$date": ms}}: a date as the original's clients decode it. */
  public static JsonObject date(long epochMillis) {
    return new JsonObject().put("$date", epochMillis);
  }

  /** Whether the original's clients decode {@code object} as a typed value. */
  public static boolean decodedAsTyped(JsonObject object) {
    return object.size() == 1 && SINGLE_KEYS.contains(object.fieldNames().iterator().next())
        || object.size() == 2 && object.fieldNames().equals(TYPE_AND_VALUE);
  }

  /** Whether {@code object} is the one typed value Herald sends, {@code {"$date": <integer>}}. */
  public static boolean isDate(JsonObject object) {
    if (object.size() != 1 || !(object.getValue("$date") instanceof Number ms)) {
      return false;
    }
    return ms instanceof Long
        || ms instanceof Integer
        || ms instanceof Short
        || ms instanceof Byte
        || ms instanceof java.math.BigInteger
        || ms.doubleValue() == Math.rint(ms.doubleValue());
  }

  /**
   * The JSON pointers of the objects in {@code json} that the original's clients would decode as a
   * typed value but that are not a {@link #isDate date}; empty when {@code json} is safe to send.
   */
  public static List<String> mistakable(Object json) {
    List<String> found = new ArrayList<>();
    walk(json, "", found);
    return found;
  }

  private static void walk(Object json, String pointer, List<String> found) {
    if (json instanceof Map<?, ?> map) {
      json = new JsonObject(castMap(map));
    } else if (json instanceof List<?> list) {
      json = new JsonArray(list);
    }
    if (json instanceof JsonObject object) {
      if (decodedAsTyped(object) && !isDate(object)) {
        found.add(pointer.isEmpty() ? "/" : pointer);
      }
      object.forEach(e -> walk(e.getValue(), pointer + "/" + escape(e.getKey()), found));
    } else if (json instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        walk(array.getValue(i), pointer + "/" + i, found);
      }
    }
  }

  /**
   * {@code schema} made safe to send to the original's clients: every {@code properties} map that
   * they would decode as a typed value is replaced by the equivalent {@code patternProperties}
   * (each key matched exactly), merged with the schema's own. The values of {@code const}, {@code
   * enum}, {@code default} and {@code examples} are data and left as they are. Idempotent; null
   * stays null.
   *
   * @param what names the schema in the error, e.g. {@code "returns of event 'alert.list'"}
   * @throws IllegalArgumentException when an object of a typed value's shape remains that is not a
   *     date
   */
  public static JsonObject normaliseSchema(JsonObject schema, String what) {
    if (schema == null) {
      return null;
    }
    JsonObject normalised = (JsonObject) normalise(schema);
    List<String> left = mistakable(normalised);
    if (!left.isEmpty()) {
      throw new IllegalArgumentException(
          "The "
              + what
              + " contains at "
              + String.join(", ", left)
              + " an object that the original's clients decode as a typed value ($date, $time, $set, "
              + "$ipv4_interface, $ipv6_interface, or $type with $value); use patternProperties for such a key");
    }
    return normalised;
  }

  private static Object normalise(Object json) {
    if (json instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(normalise(item)));
      return copy;
    }
    if (!(json instanceof JsonObject object)) {
      return json;
    }
    JsonObject copy = new JsonObject();
    object.forEach(
        e ->
            copy.put(
                e.getKey(),
                DATA_KEYWORDS.contains(e.getKey()) ? e.getValue() : normalise(e.getValue())));
    if (copy.getValue("properties") instanceof JsonObject properties
        && decodedAsTyped(properties)) {
      JsonObject patterns =
          copy.getValue("patternProperties") instanceof JsonObject existing
              ? existing
              : new JsonObject();
      properties.forEach(e -> patterns.put(exactKey(e.getKey()), e.getValue()));
      copy.remove("properties");
      copy.put("patternProperties", patterns);
    }
    return copy;
  }

  /** The regular expression that matches exactly {@code key}. */
  private static String exactKey(String key) {
    return "^" + key.replace("$", "\\$") + "$";
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}

package io.herald.config;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The settings' JSON Schema, the resource {@value #RESOURCE}: every key with its type ({@code
 * integer}, {@code boolean} or {@code string}) and its range; any other key is unknown. Failures
 * are reported as sentences naming the key, where its value came from, the value and the expected
 * form, e.g. {@code setting 'http.port' (HERALD_HTTP_PORT): 70000 is above the maximum 65535}.
 */
final class SettingsSchema {

  static final String RESOURCE = "herald-settings.schema.json";

  static final SettingsSchema PACKAGED =
      new SettingsSchema(new JsonObject(Resources.read(RESOURCE)));

  private final JsonObject schema;
  private final Validator validator;
  private final Map<String, String> types = new TreeMap<>();

  SettingsSchema(JsonObject schema) {
    this.schema = schema;
    this.validator =
        Validator.create(
            JsonSchema.of(schema.copy()),
            new JsonSchemaOptions()
                .setDraft(Draft.DRAFT202012)
                .setBaseUri("https://herald.invalid/")
                .setOutputFormat(OutputFormat.Basic));
    collectTypes("", schema);
  }

  private void collectTypes(String prefix, JsonObject node) {
    JsonObject properties = node.getJsonObject("properties");
    if ("object".equals(node.getString("type")) && properties != null) {
      properties.forEach(e -> collectTypes(prefix + e.getKey() + ".", (JsonObject) e.getValue()));
    } else {
      types.put(prefix.substring(0, prefix.length() - 1), node.getString("type"));
    }
  }

  /** Every setting (dotted key) with its declared type, sorted by key. */
  Map<String, String> types() {
    return Collections.unmodifiableMap(types);
  }

  /**
   * {@code text} (an environment variable or system property) as the declared type of {@code key}:
   * an integer (decimal), a boolean ({@code true} / {@code false}, any case) or the string itself.
   * Text that does not parse is returned unchanged, so that {@link #problems} reports it as not
   * being of the type.
   */
  Object coerce(String key, String text) {
    String type = types.get(key);
    String trimmed = text.trim();
    if ("integer".equals(type)) {
      try {
        long value = Long.parseLong(trimmed);
        return value == (int) value ? (Object) (int) value : (Object) value;
      } catch (NumberFormatException notAnInteger) {
        return text;
      }
    }
    if ("boolean".equals(type)
        && (trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(trimmed);
    }
    return text;
  }

  /**
   * What is wrong with {@code config} (the nested settings), one sentence per problem, sorted;
   * empty when it is valid.
   *
   * @param origin where a key's value came from (e.g. {@code HERALD_HTTP_PORT}), or null to leave
   *     it unsaid
   */
  List<String> problems(JsonObject config, Function<String, String> origin) {
    OutputUnit result = validator.validate(config);
    TreeSet<String> problems = new TreeSet<>();
    if (Boolean.TRUE.equals(result.getValid()) || result.getErrors() == null) {
      return List.of();
    }
    for (OutputUnit error : result.getErrors()) {
      String keywordLocation = error.getKeywordLocation();
      if (keywordLocation == null || error.getInstanceLocation() == null) {
        continue;
      }
      String keyword = keywordLocation.substring(keywordLocation.lastIndexOf('/') + 1);
      List<String> path = segments(error.getInstanceLocation());
      String key = String.join(".", path);
      Object value = valueAt(config, path);
      if (keyword.equals("additionalProperties")) {
        // vertx-json-schema also reports a declared key whose own value failed as "additional" (it
        // counts only
        // the keys that validated; see json-schema-org/json-schema-spec#1172): that key is not
        // unknown.
        String parent =
            keywordLocation.substring(
                0, keywordLocation.length() - "/additionalProperties".length());
        String name = path.get(path.size() - 1).replace("~", "~0").replace("/", "~1");
        if (at(parent + "/properties/" + name) != null) {
          continue;
        }
        Settings.flatten(new JsonObject().put(key, value))
            .keySet()
            .forEach(
                unknown ->
                    problems.add("unknown setting '" + unknown + "'" + from(origin, unknown)));
      } else if (!keyword.equals("properties")) {
        Object limit = at(keywordLocation);
        problems.add(
            "setting '"
                + key
                + "'"
                + from(origin, key)
                + ": "
                + Json.encode(value)
                + " "
                + expected(keyword, limit, error.getError()));
      }
    }
    return new ArrayList<>(problems);
  }

  private static String expected(String keyword, Object limit, String libraryMessage) {
    return switch (keyword) {
      case "type" ->
          switch (String.valueOf(limit)) {
            case "integer" -> "is not an integer";
            case "boolean" -> "is not a boolean (true or false)";
            case "string" -> "is not a string";
            case "object" -> "is not a section (a map of settings)";
            default -> "is not of type " + limit;
          };
      case "minimum" -> "is below the minimum " + limit;
      case "maximum" -> "is above the maximum " + limit;
      case "minLength" ->
          "is shorter than "
              + limit
              + " character"
              + ("1".equals(String.valueOf(limit)) ? "" : "s");
      case "pattern" -> "does not match the pattern " + limit;
      default -> "is invalid: " + libraryMessage;
    };
  }

  private static String from(Function<String, String> origin, String key) {
    String source = origin == null ? null : origin.apply(key);
    return source == null ? "" : " (" + source + ")";
  }

  /** A JSON pointer's parts: {@code #/http/port} → {@code [http, port]}. */
  private static List<String> segments(String pointer) {
    List<String> parts = new ArrayList<>();
    for (String part : pointer.replaceFirst("^#", "").split("/")) {
      if (!part.isEmpty()) {
        parts.add(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return parts;
  }

  private static Object valueAt(Object root, List<String> path) {
    Object node = root;
    for (String part : path) {
      node = node instanceof JsonObject object ? object.getValue(part) : null;
    }
    return node;
  }

  /**
   * The schema's value at a keyword location such as {@code
   * #/properties/http/properties/port/maximum}.
   */
  private Object at(String keywordLocation) {
    return valueAt(schema, segments(keywordLocation));
  }
}

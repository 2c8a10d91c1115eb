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
 * integer}, {@code boolean}, {@code string}, or {@code array} for the list {@code events}) and its
 * range; any other key is unknown. Failures are reported as sentences naming the key, where its
 * value came from, the value and the expected form, e.g. {@code setting 'http.port'
 * (HERALD_HTTP_PORT): 70000 is above the maximum 65535}.
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
      // A problem inside an entry of a list setting (events) names the entry and the key in it.
      int item = itemIndex(config, path);
      String entry = item < 0 ? null : entryLabel(config, path, item, origin);
      String inEntry = item < 0 ? null : dotted(path.subList(item + 1, path.size()));
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
        if (entry != null) {
          problems.add(entry + ": unknown key '" + inEntry + "'");
          continue;
        }
        Settings.flatten(new JsonObject().put(key, value))
            .keySet()
            .forEach(
                unknown ->
                    problems.add("unknown setting '" + unknown + "'" + from(origin, unknown)));
      } else if (keyword.equals("required")) {
        java.util.regex.Matcher missing =
            java.util.regex.Pattern.compile("\"(.*)\"").matcher(String.valueOf(error.getError()));
        String what = missing.find() ? "'" + missing.group(1) + "'" : "a required key";
        problems.add(
            (entry != null
                    ? entry + ": " + (inEntry.isEmpty() ? "" : "'" + inEntry + "' ")
                    : "setting '" + key + "'" + from(origin, key) + ": ")
                + what
                + " is missing");
      } else if (!keyword.equals("properties") && !keyword.equals("items")) {
        Object limit = at(keywordLocation);
        String problem =
            Json.encode(value) + " " + expected(keyword, limit, error.getError(), entry != null);
        problems.add(
            entry != null
                ? entry + ": " + (inEntry.isEmpty() ? "" : "'" + inEntry + "' ") + problem
                : "setting '" + key + "'" + from(origin, key) + ": " + problem);
      }
    }
    return new ArrayList<>(problems);
  }

  /**
   * Where in {@code path} the index of an entry of a list setting is (the first segment under a
   * list), or -1 when the path is not inside a list.
   */
  private static int itemIndex(JsonObject config, List<String> path) {
    for (int i = 1; i < path.size(); i++) {
      if (valueAt(config, path.subList(0, i)) instanceof io.vertx.core.json.JsonArray) {
        return i;
      }
    }
    return -1;
  }

  /** How an entry of a list setting is named in a problem, e.g. {@code event 'a.b' (events[1])}. */
  private static String entryLabel(
      JsonObject config, List<String> path, int item, Function<String, String> origin) {
    String list = String.join(".", path.subList(0, item));
    return DeclaredEvents.label(
        list,
        Integer.parseInt(path.get(item)),
        valueAt(config, path.subList(0, item + 1)),
        origin == null ? null : origin.apply(list));
  }

  /** A path inside an entry: {@code [roles, 0]} → {@code roles[0]}. */
  private static String dotted(List<String> path) {
    StringBuilder out = new StringBuilder();
    for (String part : path) {
      if (part.chars().allMatch(Character::isDigit) && !part.isEmpty()) {
        out.append('[').append(part).append(']');
      } else {
        out.append(out.length() == 0 ? "" : ".").append(part);
      }
    }
    return out.toString();
  }

  private static String expected(
      String keyword, Object limit, String libraryMessage, boolean inEntry) {
    return switch (keyword) {
      case "type" ->
          switch (String.valueOf(limit)) {
            case "integer" -> "is not an integer";
            case "boolean" -> "is not a boolean (true or false)";
            case "string" -> "is not a string";
            case "object" -> inEntry ? "is not a map" : "is not a section (a map of settings)";
            case "array" ->
                "is not a list (a list is given in a config file: environment variables and -D"
                    + " properties cannot express one)";
            default -> "is not of type " + limit;
          };
      case "maxLength" -> "is longer than " + limit + " characters";
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
      if (node instanceof io.vertx.core.json.JsonArray list) {
        int index = part.chars().allMatch(Character::isDigit) ? Integer.parseInt(part) : -1;
        node = index >= 0 && index < list.size() ? list.getValue(index) : null;
      } else {
        node = node instanceof JsonObject object ? object.getValue(part) : null;
      }
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

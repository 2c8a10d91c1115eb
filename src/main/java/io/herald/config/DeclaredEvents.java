package io.herald.config;

import io.herald.EventDescriptor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code events:} list of the settings, read into {@link DeclaredEvent}s. The settings' schema
 * has already checked each entry's keys and their types; this checks what it cannot say: a name is
 * declared once, and {@code schema} is a JSON Schema 2020-12 (checked against the draft's
 * meta-schema, which vertx-json-schema carries) that Herald accepts as a payload schema.
 */
final class DeclaredEvents {

  /** The list and what is wrong with it (empty when nothing is). */
  record Parsed(List<DeclaredEvent> events, List<String> problems) {}

  private static final String META = "https://json-schema.org/draft/2020-12/schema";

  private static final List<String> META_PARTS =
      List.of(
          "schema",
          "meta/core",
          "meta/applicator",
          "meta/unevaluated",
          "meta/validation",
          "meta/meta-data",
          "meta/format-annotation",
          "meta/content");

  /** Keywords that only say a sub-schema failed: the failure worth naming is deeper. */
  private static final Set<String> COMBINATORS =
      Set.of(
          "allOf",
          "anyOf",
          "oneOf",
          "$ref",
          "$dynamicRef",
          "properties",
          "additionalProperties",
          "items",
          "prefixItems",
          "patternProperties");

  private static Validator metaSchema;

  private DeclaredEvents() {}

  /**
   * The declared events of {@code entries} (already valid against the settings' schema).
   *
   * @param source where the list came from (the config file), or null when unsaid
   */
  static Parsed parse(JsonArray entries, String source) {
    List<DeclaredEvent> events = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    if (entries == null) {
      return new Parsed(List.of(), List.of());
    }
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = entries.getJsonObject(i);
      String label = label("events", i, entry, source);
      String name = entry.getString("name");
      Integer first = seen.putIfAbsent(name, i);
      if (first != null) {
        problems.add(label + ": declared twice (also events[" + first + "])");
        continue;
      }
      JsonObject schema = entry.getJsonObject("schema");
      String schemaProblem = schema == null ? null : schemaProblem(schema);
      if (schemaProblem != null) {
        problems.add(label + ": 'schema' is not a valid JSON Schema 2020-12: " + schemaProblem);
        continue;
      }
      try {
        EventDescriptor descriptor =
            EventDescriptor.broadcast(name)
                .description(entry.getString("description", ""))
                .wildcard(entry.getBoolean("wildcard", true))
                .roles(strings(entry.getJsonArray("roles")))
                .returns(schema)
                .build();
        events.add(new DeclaredEvent(descriptor, strings(entry.getJsonArray("publish_roles"))));
      } catch (IllegalArgumentException e) {
        problems.add(label + ": " + e.getMessage());
      }
    }
    return new Parsed(List.copyOf(events), List.copyOf(problems));
  }

  /**
   * How an entry of the list setting {@code list} is named in a problem: {@code event 'a.b'
   * (events[1], conf/herald.yaml)}, or {@code events[1] (conf/herald.yaml)} when it has no name.
   */
  static String label(String list, int index, Object entry, String source) {
    String where = list + "[" + index + "]";
    Object name = entry instanceof JsonObject object ? object.getValue("name") : null;
    if (name instanceof String text && !text.isBlank()) {
      return "event '" + text + "' (" + where + (source == null ? "" : ", " + source) + ")";
    }
    return where + (source == null ? "" : " (" + source + ")");
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : (List<String>) (List<?>) array.getList();
  }

  /** What makes {@code schema} not a JSON Schema 2020-12, or null when it is one. */
  static synchronized String schemaProblem(JsonObject schema) {
    OutputUnit out = metaSchema().validate(schema);
    if (Boolean.TRUE.equals(out.getValid())) {
      return null;
    }
    OutputUnit deepest = null;
    for (OutputUnit error : out.getErrors() == null ? List.<OutputUnit>of() : out.getErrors()) {
      String location = error.getKeywordLocation();
      String keyword = location == null ? "" : location.substring(location.lastIndexOf('/') + 1);
      if (COMBINATORS.contains(keyword) || error.getInstanceLocation() == null) {
        continue;
      }
      if (deepest == null
          || error.getInstanceLocation().length() > deepest.getInstanceLocation().length()) {
        deepest = error;
      }
    }
    if (deepest == null) {
      return String.valueOf(out.getError());
    }
    String at = deepest.getInstanceLocation().replaceFirst("^#", "");
    return (at.isEmpty() ? "" : "at " + at + ": ") + deepest.getError();
  }

  private static synchronized Validator metaSchema() {
    if (metaSchema == null) {
      JsonSchemaOptions options =
          new JsonSchemaOptions()
              .setDraft(Draft.DRAFT202012)
              .setBaseUri("https://herald.invalid/")
              .setOutputFormat(OutputFormat.Basic);
      SchemaRepository repository = SchemaRepository.create(options);
      for (String part : META_PARTS) {
        repository.dereference(
            "https://json-schema.org/draft/2020-12/" + part,
            JsonSchema.of(new JsonObject(resource("json-schema.org/draft/2020-12/" + part))));
      }
      metaSchema = repository.validator(META);
    }
    return metaSchema;
  }

  private static String resource(String path) {
    try (InputStream in = DeclaredEvents.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("vertx-json-schema's meta-schema " + path + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

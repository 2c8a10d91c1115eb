package io.herald.protocol;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.util.List;

/** A compiled JSON Schema (draft 2020-12) whose failures become a VALIDATION {@link ErrorDict}. */
public final class Schema {

  private static final JsonSchemaOptions OPTIONS =
      new JsonSchemaOptions()
          .setDraft(Draft.DRAFT202012)
          .setBaseUri("https://herald.invalid/")
          .setOutputFormat(OutputFormat.Basic);

  /** Valid or not, nothing more: stops at the first failure. */
  private static final JsonSchemaOptions FLAG =
      new JsonSchemaOptions()
          .setDraft(Draft.DRAFT202012)
          .setBaseUri("https://herald.invalid/")
          .setOutputFormat(OutputFormat.Flag);

  /**
   * The failures of an invalid value are listed only when it encodes to at most this many
   * characters. Listing them takes the validator through every failure of the value, each kept:
   * 30,000 wrong items of a 60 KB request took half a second of the event loop and megabytes.
   */
  static final int DETAILED_CHARS = 8192;

  /**
   * How many failures a VALIDATION error lists; one more entry counts the rest. A small malformed
   * request (a long list of wrong items) must not be answered with a huge error.
   */
  static final int MAX_LISTED = 20;

  private static final java.util.Map<String, Schema> COMPILED =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Validator validator;
  private final Validator flag;

  private Schema(JsonObject schema) {
    this.validator = Validator.create(JsonSchema.of(schema.copy()), OPTIONS);
    this.flag = Validator.create(JsonSchema.of(schema.copy()), FLAG);
  }

  /**
   * The compiled schema, compiled once per distinct schema: subscriptions validate against their
   * event's schema without compiling it each time. (Schemas come from registered events and
   * methods, so the cache is bounded.)
   */
  public static Schema of(JsonObject schema) {
    return COMPILED.computeIfAbsent(schema.encode(), text -> new Schema(schema));
  }

  /**
   * Validates {@code value}: whether it is valid first, which stops at the first failure; then, for
   * an invalid value of at most {@link #DETAILED_CHARS}, its failures.
   *
   * @param attribute the name errors are reported under (e.g. {@code reporting.realtime} or {@code
   *     core.bulk.params}); the failing location inside the value is appended as {@code .key} /
   *     {@code .0}
   * @return null when valid, else the VALIDATION error listing every failure
   */
  public ErrorDict check(Object value, String attribute) {
    if (Boolean.TRUE.equals(flag.validate(value).getValid())) {
      return null;
    }
    int size = io.vertx.core.json.Json.encode(value).length();
    if (size > DETAILED_CHARS) {
      return ErrorDict.validation(
          attribute,
          "The value does not match the schema (its failures are listed only for values of at most "
              + DETAILED_CHARS
              + " characters; this one has "
              + size
              + ")");
    }
    OutputUnit out = validator.validate(value);
    if (Boolean.TRUE.equals(out.getValid())) {
      return null;
    }
    JsonArray extra = new JsonArray();
    if (out.getErrors() != null) {
      List<OutputUnit> errors = out.getErrors();
      for (OutputUnit error : errors.subList(0, Math.min(errors.size(), MAX_LISTED))) {
        extra.add(
            new JsonArray()
                .add(attribute + pointerToPath(error.getInstanceLocation()))
                .add(error.getError())
                .add(Errno.EINVAL.code));
      }
    }
    if (out.getErrors() != null && out.getErrors().size() > MAX_LISTED) {
      extra.add(
          new JsonArray()
              .add(attribute)
              .add("... and " + (out.getErrors().size() - MAX_LISTED) + " more failures")
              .add(Errno.EINVAL.code));
    }
    if (extra.isEmpty()) {
      extra.add(
          new JsonArray()
              .add(attribute)
              .add(String.valueOf(out.getError()))
              .add(Errno.EINVAL.code));
    }
    return ErrorDict.validation(extra);
  }

  private static String pointerToPath(String pointer) {
    if (pointer == null || pointer.isEmpty() || pointer.equals("#") || pointer.equals("/")) {
      return "";
    }
    String p = pointer.startsWith("#") ? pointer.substring(1) : pointer;
    return p.replace("~1", "/").replace("~0", "~").replace('/', '.');
  }
}

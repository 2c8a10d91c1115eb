package io.herald;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The error object of a {@code result} or {@code nosub} message: {@code {"error": errno, "errname":
 * "...", "type": null|"VALIDATION", "reason": "...", "trace": null|{...}, "extra":
 * null|[[attribute, message, errno], ...]}}. All keys are always present.
 */
public record ErrorDict(
    Errno errno, String type, String reason, JsonObject trace, JsonArray extra) {

  /**
   * The most characters of one attribute and of one message in a validation error: they can echo
   * the client's input (a property name, a value), and appear four times in the error.
   */
  public static final int MAX_ATTRIBUTE_CHARS = 200;

  public static final int MAX_MESSAGE_CHARS = 500;

  public static ErrorDict of(Errno errno, String reason) {
    return new ErrorDict(errno, null, reason, null, null);
  }

  /**
   * A validation error; each attribute and message is clipped ({@link #MAX_ATTRIBUTE_CHARS}, {@link
   * #MAX_MESSAGE_CHARS}). {@code trace} is filled because the Python client raises {@code
   * ValidationErrors} only when {@code trace} is not null.
   */
  public static ErrorDict validation(JsonArray failures) {
    JsonArray extra = new JsonArray();
    for (int i = 0; i < failures.size(); i++) {
      JsonArray e = failures.getJsonArray(i);
      extra.add(
          new JsonArray()
              .add(clip(e.getString(0), MAX_ATTRIBUTE_CHARS))
              .add(clip(e.getString(1), MAX_MESSAGE_CHARS))
              .add(e.getValue(2)));
    }
    StringBuilder formatted = new StringBuilder();
    for (int i = 0; i < extra.size(); i++) {
      JsonArray e = extra.getJsonArray(i);
      formatted
          .append("[EINVAL] ")
          .append(e.getString(0))
          .append(": ")
          .append(e.getString(1))
          .append('\n');
    }
    String reason = formatted.toString().trim();
    JsonObject trace =
        new JsonObject()
            .put("class", "ValidationErrors")
            .put("frames", new JsonArray())
            .put("formatted", reason)
            .put("repr", "ValidationErrors(" + extra.encode() + ")");
    return new ErrorDict(Errno.EINVAL, "VALIDATION", reason, trace, extra);
  }

  /** {@code text} cut to {@code max} characters, the cut marked with {@code "..."}. */
  static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  public static ErrorDict validation(String attribute, String message) {
    return validation(
        new JsonArray().add(new JsonArray().add(attribute).add(message).add(Errno.EINVAL.code)));
  }

  public static ErrorDict noMethod(String method) {
    int dot = method.lastIndexOf('.');
    String service = dot < 0 ? "" : method.substring(0, dot);
    String name = dot < 0 ? method : method.substring(dot + 1);
    return of(Errno.ENOMETHOD, "[ENOMETHOD] Method '" + name + "' not found in '" + service + "'");
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("error", errno.code)
        .put("errname", errno.name())
        .put("type", type)
        .put("reason", reason)
        .put("trace", trace)
        .put("extra", extra);
  }

  public static ErrorDict fromJson(JsonObject json) {
    Errno errno = Errno.EFAULT;
    try {
      errno = Errno.valueOf(json.getString("errname", "EFAULT"));
    } catch (IllegalArgumentException ignored) {
      // an errname Herald does not know: report it as EFAULT
    }
    return new ErrorDict(
        errno,
        json.getString("type"),
        json.getString("reason"),
        json.getJsonObject("trace"),
        json.getJsonArray("extra"));
  }
}

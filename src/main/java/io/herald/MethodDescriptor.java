package io.herald;

import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * A callable method.
 *
 * @param params JSON Schema of the whole {@code params} list (usually {@code
 *     {"type":"array","prefixItems":[..]}}), or null to accept any list
 */
public record MethodDescriptor(
    String name, String description, JsonObject params, MethodHandler handler) {

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");

  public MethodDescriptor {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid method name '" + name + "': expected service.method");
    }
    if (handler == null) {
      throw new IllegalArgumentException("method '" + name + "' needs a handler");
    }
    description = description == null ? "" : description;
    params = TypedValues.normaliseSchema(params, "params schema of method '" + name + "'");
  }
}

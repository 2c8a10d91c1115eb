package io.herald;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A callable method.
 *
 * @param params JSON Schema of the whole {@code params} list (usually {@code
 *     {"type":"array","prefixItems":[..]}}), or null to accept any list
 * @param roles who may call it: any one of these roles ({@link Roles}); empty = {@link
 *     Roles#FULL_ADMIN} only; {@link Roles#AUTHENTICATED} = any logged-in user
 * @param noAuthRequired callable before login, by anyone
 */
public record MethodDescriptor(
    String name,
    String description,
    JsonObject params,
    List<String> roles,
    boolean noAuthRequired,
    MethodHandler handler) {

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
    roles = roles == null ? List.of() : List.copyOf(roles);
    params = TypedValues.normaliseSchema(params, "params schema of method '" + name + "'");
  }

  /** A method only {@link Roles#FULL_ADMIN} may call, until {@link #roles(String...)} says more. */
  public MethodDescriptor(
      String name, String description, JsonObject params, MethodHandler handler) {
    this(name, description, params, List.of(), false, handler);
  }

  /** This method, callable by any one of {@code roles}. */
  public MethodDescriptor roles(String... roles) {
    return new MethodDescriptor(name, description, params, List.of(roles), noAuthRequired, handler);
  }

  /** This method, callable by anyone, before login too. */
  public MethodDescriptor callableBeforeLogin() {
    return new MethodDescriptor(name, description, params, roles, true, handler);
  }
}

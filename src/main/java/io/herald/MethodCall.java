package io.herald;

import io.vertx.core.json.JsonArray;

/**
 * One call of a method: its positional {@code params} (already validated) and the caller's session
 * id.
 */
public record MethodCall(String method, JsonArray params, String session) {

  /**
   * The parameter at {@code index}, or {@code fallback} when the list is shorter or the value is
   * null.
   */
  @SuppressWarnings("unchecked")
  public <T> T param(int index, T fallback) {
    Object value = index < params.size() ? params.getValue(index) : null;
    return value == null ? fallback : (T) value;
  }
}

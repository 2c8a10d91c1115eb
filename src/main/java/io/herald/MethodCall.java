package io.herald;

import io.vertx.core.json.JsonArray;

/**
 * One call of a method: its positional {@code params} (already validated), the caller's session id
 * (null for a verticle's call), who the caller is, and the id the client gave the call ({@code
 * messageId}, null for a verticle's call; a job started by the call lists it in {@code
 * message_ids}). The method's roles were checked before the handler runs; a handler narrows further
 * by {@link #caller} where its data has owners (a user sees their own jobs).
 */
public record MethodCall(
    String method, JsonArray params, String session, Caller caller, Object messageId) {

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

package io.herald.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The protocol's messages as the tests write and expect them, and predicates over received ones.
 */
public final class Messages {

  private static final Set<String> EVENTS = Set.of("added", "changed", "removed");

  private Messages() {}

  // --- client messages ---

  public static JsonObject sub(Object id, String name) {
    return new JsonObject().put("msg", "sub").put("id", id).put("name", name);
  }

  /** A {@code sub} with {@code "snapshot": true}. */
  public static JsonObject subSnapshot(Object id, String name) {
    return sub(id, name).put("snapshot", true);
  }

  public static JsonObject unsub(Object id) {
    return new JsonObject().put("msg", "unsub").put("id", id);
  }

  public static JsonObject ping(Object id) {
    return new JsonObject().put("msg", "ping").put("id", id);
  }

  public static JsonObject method(Object id, String method, JsonArray params) {
    return new JsonObject()
        .put("msg", "method")
        .put("id", id)
        .put("method", method)
        .put("params", params);
  }

  // --- server messages ---

  public static JsonObject ready(Object... ids) {
    return new JsonObject().put("msg", "ready").put("subs", new JsonArray(java.util.List.of(ids)));
  }

  public static JsonObject pong(Object id) {
    return new JsonObject().put("msg", "pong").put("id", id);
  }

  /** A {@code nosub} without error: the end of a subscription. */
  public static JsonObject nosub(Object id, String collection) {
    return new JsonObject().put("msg", "nosub").put("id", id).put("collection", collection);
  }

  /** {@code {"msg":"changed","collection":..,"id":..,"fields":{}}}. */
  public static JsonObject changed(String collection, Object id) {
    return new JsonObject()
        .put("msg", "changed")
        .put("collection", collection)
        .put("id", id)
        .put("fields", new JsonObject());
  }

  public static JsonObject result(Object id, Object result) {
    return new JsonObject().put("msg", "result").put("id", id).put("result", result);
  }

  // --- predicates ---

  /** An event message: {@code added}, {@code changed} or {@code removed}. */
  public static boolean isEvent(JsonObject m) {
    return EVENTS.contains(m.getString("msg"));
  }

  /** The {@code result} message of the call {@code id}. */
  public static Predicate<JsonObject> resultOf(Object id) {
    return m -> "result".equals(m.getString("msg")) && id.equals(m.getValue("id"));
  }

  /** A {@code core.get_jobs} event of job {@code id}. */
  public static Predicate<JsonObject> jobEvent(long id) {
    return m ->
        "core.get_jobs".equals(m.getString("collection"))
            && m.getValue("id") instanceof Number n
            && n.longValue() == id;
  }

  /**
   * A {@code core.get_jobs} event of job {@code id} whose state matches {@code states} (a regex).
   */
  public static Predicate<JsonObject> jobIn(long id, String states) {
    return jobEvent(id)
        .and(
            m ->
                m.getJsonObject("fields") != null
                    && m.getJsonObject("fields").getString("state", "").matches(states));
  }
}

package io.herald.protocol;

import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builders for every message the server sends. Key order follows the user's document. */
public final class ServerMessages {

  public static final String PROTOCOL_VERSION = "1";

  private ServerMessages() {}

  public static JsonObject connected(String session) {
    return new JsonObject().put("msg", "connected").put("session", session);
  }

  public static JsonObject failed() {
    return new JsonObject().put("msg", "failed").put("version", PROTOCOL_VERSION);
  }

  public static JsonObject pong(Object id) {
    JsonObject pong = new JsonObject().put("msg", "pong");
    return id == null ? pong : pong.put("id", id);
  }

  public static JsonObject ready(Object subId) {
    return new JsonObject().put("msg", "ready").put("subs", new JsonArray().add(subId));
  }

  /**
   * The server ended (or refused) a subscription; {@code error} is null when a source simply
   * finished.
   */
  public static JsonObject nosub(Object subId, String collection, ErrorDict error) {
    JsonObject nosub =
        new JsonObject().put("msg", "nosub").put("id", subId).put("collection", collection);
    return error == null ? nosub : nosub.put("error", error.toJson());
  }

  public static JsonObject result(Object id, Object result) {
    return new JsonObject().put("msg", "result").put("id", id).put("result", result);
  }

  public static JsonObject error(Object id, ErrorDict error) {
    return new JsonObject().put("msg", "result").put("id", id).put("error", error.toJson());
  }

  /** DDP's answer to a message that is JSON but not a valid message. */
  public static JsonObject malformed(String reason, Object offendingMessage) {
    return new JsonObject()
        .put("msg", "error")
        .put("reason", reason)
        .put("offendingMessage", offendingMessage);
  }
}

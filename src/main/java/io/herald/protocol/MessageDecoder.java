package io.herald.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Text frame to {@link ClientMessage}: a pure function, no networking. */
public final class MessageDecoder {

  /** The frame is not JSON at all: the connection is closed with {@link CloseCode#INVALID_JSON}. */
  public static final class InvalidJson extends Exception {
    public InvalidJson(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The frame is JSON but not a valid message: answered with DDP's {@code
   * {"msg":"error","reason":..,"offendingMessage":..}}, and the connection stays open.
   */
  public static final class Malformed extends Exception {
    public final transient Object offending;

    public Malformed(String reason, Object offending) {
      super(reason, null, false, false);
      this.offending = offending;
    }
  }

  private MessageDecoder() {}

  /** As {@link #decode(String, int)}, with no depth limit of Herald's own. */
  public static ClientMessage decode(String text) throws InvalidJson, Malformed {
    return decode(text, Integer.MAX_VALUE);
  }

  /**
   * The message {@code text} is.
   *
   * @param maxDepth how deeply the message may nest objects and arrays; deeper is {@link
   *     Malformed}, checked on the text before it is parsed (its {@code offending} is then null:
   *     such a message is not echoed)
   */
  public static ClientMessage decode(String text, int maxDepth) throws InvalidJson, Malformed {
    if (JsonDepth.exceeds(text, maxDepth)) {
      throw new Malformed("message nested deeper than " + maxDepth + " levels", null);
    }
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new InvalidJson(e.getMessage());
    }
    if (!(value instanceof JsonObject json)) {
      throw new Malformed("message must be a JSON object", value);
    }
    Object msg = json.getValue("msg");
    if (msg == null) {
      throw new Malformed("msg is required", json);
    }
    if (!(msg instanceof String type)) {
      throw new Malformed("msg must be a string", json);
    }
    return switch (type) {
      case "connect" -> new ClientMessage.Connect(json.getValue("version"));
      case "ping" -> new ClientMessage.Ping(optionalId(json));
      case "sub" ->
          new ClientMessage.Sub(
              requiredId(json),
              requiredString(json, "name"),
              flag(json, "snapshot"),
              new ClientMessage.Resume(flag(json, "positions"), optionalString(json, "since")));
      case "unsub" -> new ClientMessage.Unsub(requiredId(json));
      case "method" ->
          new ClientMessage.Method(requiredId(json), requiredString(json, "method"), params(json));
      default -> throw new Malformed("unknown msg '" + type + "'", json);
    };
  }

  private static Object optionalId(JsonObject json) throws Malformed {
    return json.getValue("id") != null ? requiredId(json) : null;
  }

  private static Object requiredId(JsonObject json) throws Malformed {
    Object id = json.getValue("id");
    if (id == null) {
      throw new Malformed("id is required", json);
    }
    if (!(id instanceof String) && !(id instanceof Number)) {
      throw new Malformed("id must be a string or a number", json);
    }
    return id;
  }

  private static String requiredString(JsonObject json, String key) throws Malformed {
    Object value = json.getValue(key);
    if (value == null) {
      throw new Malformed(key + " is required", json);
    }
    if (!(value instanceof String s)) {
      throw new Malformed(key + " must be a string", json);
    }
    if (s.isEmpty()) {
      throw new Malformed(key + " must not be empty", json);
    }
    return s;
  }

  private static String optionalString(JsonObject json, String key) throws Malformed {
    Object value = json.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw new Malformed(key + " must be a string", json);
    }
    return (String) value;
  }

  private static boolean flag(JsonObject json, String key) throws Malformed {
    Object value = json.getValue(key);
    if (value != null && !(value instanceof Boolean)) {
      throw new Malformed(key + " must be a boolean", json);
    }
    return Boolean.TRUE.equals(value);
  }

  private static JsonArray params(JsonObject json) throws Malformed {
    Object params = json.getValue("params");
    if (params == null) {
      return new JsonArray();
    }
    if (!(params instanceof JsonArray array)) {
      throw new Malformed("params must be a list", json);
    }
    return array;
  }
}

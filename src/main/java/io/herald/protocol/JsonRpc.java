package io.herald.protocol;

import io.herald.Errno;
import io.herald.ErrorDict;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) as the original serves it at {@code
 * /api/current}: requests and their responses, notifications, batches, the standard error codes and
 * the original's two ({@code -32000} too many concurrent calls, {@code -32001} a call error whose
 * {@code data} is the legacy error object). No networking here.
 */
public final class JsonRpc {

  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;
  public static final int TOO_MANY_CONCURRENT_CALLS = -32000;
  public static final int CALL_ERROR = -32001;

  private JsonRpc() {}

  /** A valid request; {@code notification}: it had no {@code id} and gets no response. */
  public record Request(Object id, boolean notification, String method, JsonArray params) {}

  /** An element that is not a valid request: answered with {@code error} (id null if unknown). */
  public record Invalid(Object id, JsonObject error) {}

  /**
   * A message: one request ({@code batch} false, one item) or a batch; each item a {@link Request}
   * or an {@link Invalid}.
   */
  public record Message(boolean batch, List<Object> items) {}

  /** Text that is not JSON (or nested deeper than allowed): answered with {@link #PARSE_ERROR}. */
  public static final class ParseError extends Exception {
    public ParseError(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads a message; an empty batch is one {@link Invalid}, not a batch. */
  public static Message parse(String text, int maxDepth) throws ParseError {
    if (JsonDepth.exceeds(text, maxDepth)) {
      throw new ParseError("Message nested deeper than " + maxDepth + " levels");
    }
    Object json;
    try {
      json = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ParseError("Parse error");
    }
    if (json instanceof JsonArray batch) {
      if (batch.isEmpty()) {
        // Not a batch at all: the spec answers it with one response, not an array.
        return new Message(
            false,
            List.of(
                new Invalid(
                    null, error(INVALID_REQUEST, "Invalid Request: an empty batch", null))));
      }
      List<Object> items = new ArrayList<>();
      batch.forEach(element -> items.add(request(element)));
      return new Message(true, items);
    }
    return new Message(false, List.of(request(json)));
  }

  private static Object request(Object element) {
    if (!(element instanceof JsonObject o)) {
      return new Invalid(null, error(INVALID_REQUEST, "Invalid Request: not an object", null));
    }
    Object id = o.getValue("id");
    boolean hasId = o.containsKey("id");
    if (hasId && id != null && !(id instanceof String) && !(id instanceof Number)) {
      return new Invalid(
          null,
          error(INVALID_REQUEST, "Invalid Request: id must be a string, a number or null", null));
    }
    if (!"2.0".equals(o.getValue("jsonrpc"))) {
      return new Invalid(
          id, error(INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"", null));
    }
    if (!(o.getValue("method") instanceof String method)) {
      return new Invalid(
          id, error(INVALID_REQUEST, "Invalid Request: method must be a string", null));
    }
    Object params = o.getValue("params");
    if (params != null && !(params instanceof JsonArray)) {
      return new Invalid(
          id,
          error(
              INVALID_PARAMS,
              "Invalid params: params must be an array (by-position)",
              legacyData(ErrorDict.validation(method, "params must be an array"))));
    }
    return new Request(id, !hasId, method, params == null ? new JsonArray() : (JsonArray) params);
  }

  // --- what the server sends ---

  public static JsonObject response(Object id, Object result) {
    return new JsonObject().put("jsonrpc", "2.0").put("result", result).put("id", id);
  }

  public static JsonObject errorResponse(Object id, JsonObject error) {
    return new JsonObject().put("jsonrpc", "2.0").put("error", error).put("id", id);
  }

  public static JsonObject error(int code, String message, Object data) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    return data == null ? error : error.put("data", data);
  }

  /**
   * A call's failure as the original answers it: a validation error is {@code -32602} (its {@code
   * data} holds {@code extra}), a method no node has is {@code -32601}, too many concurrent calls
   * {@code -32000}; anything else {@code -32001} with the legacy error object as {@code data}.
   */
  public static JsonObject error(ErrorDict e) {
    if ("VALIDATION".equals(e.type())) {
      return error(INVALID_PARAMS, "Invalid params", legacyData(e));
    }
    if (e.errno() == Errno.ENOMETHOD) {
      return error(METHOD_NOT_FOUND, "Method does not exist", legacyData(e));
    }
    if (e.errno() == Errno.ETOOMANYREFS && e.reason().startsWith("Too many concurrent calls")) {
      return error(TOO_MANY_CONCURRENT_CALLS, "Too many concurrent calls", legacyData(e));
    }
    return error(CALL_ERROR, "Method call error", legacyData(e));
  }

  /** The legacy error object ({@code error, errname, reason, trace, extra}). */
  public static JsonObject legacyData(ErrorDict e) {
    return e.toJson();
  }

  public static JsonObject notification(String method, Object params) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method).put("params", params);
  }

  /** {@code notify_unsubscribed}: the server ended a subscription; error null when it finished. */
  public static JsonObject notifyUnsubscribed(String collection, ErrorDict error) {
    return notification(
        "notify_unsubscribed",
        new JsonObject()
            .put("collection", collection)
            .put("error", error == null ? null : legacyData(error)));
  }

  private static final byte[] UPDATE_HEAD =
      "{\"jsonrpc\":\"2.0\",\"method\":\"collection_update\",\"params\":"
          .getBytes(StandardCharsets.UTF_8);

  /**
   * {@code collection_update} around an event frame as the node encoded it once ({@code
   * {"msg","collection","id","fields"}} is exactly the notification's params): bytes are copied,
   * nothing is parsed or encoded again.
   */
  public static byte[] collectionUpdate(byte[] frame) {
    byte[] out = new byte[UPDATE_HEAD.length + frame.length + 1];
    System.arraycopy(UPDATE_HEAD, 0, out, 0, UPDATE_HEAD.length);
    System.arraycopy(frame, 0, out, UPDATE_HEAD.length, frame.length);
    out[out.length - 1] = '}';
    return out;
  }
}

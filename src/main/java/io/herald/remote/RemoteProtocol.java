package io.herald.remote;

import io.herald.ErrorDict;
import io.herald.EventMessage;
import io.herald.StreamPosition;
import io.herald.event.Argument;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The bodies exchanged between a subscribing node and the node that runs a source instance for it.
 *
 * <p>Requests to {@code herald.node.<owner>.sources} ({@link io.herald.bus.Addresses#sourceHost}):
 *
 * <ul>
 *   <li>{@code {"op":"join","event","argument","key","hold"}}: one subscription ({@code hold} =
 *       {@code <node>/<bridge>#<n>}, unique in the cluster) joins the instance of {@code key},
 *       starting it if needed. Answered once the instance runs, with {@code
 *       {"epoch","seq","items"}}: the snapshot {@code items} stand at position {@code epoch@seq}
 *       (where the subscription joined the run); the messages after it follow them. Or {@code
 *       {"redirect": node}} (a CLUSTER source owned by another node), or {@code {"error": ERROR}}.
 *   <li>{@code {"op":"leave","key","hold"}}: the subscription leaves; no answer; idempotent.
 * </ul>
 *
 * <p>Published to {@code herald.node.<owner>.source.<key id>} ({@link
 * io.herald.bus.Addresses#sourceStream}): {@code {"epoch","seq","message":{msg,id,fields,extra}}}
 * for each message at its position {@code epoch@seq} in the instance's run, then {@code
 * {"epoch","seq","end":true,"error":ERROR|null}} when the instance ends. An epoch is one run of the
 * instance: a key's address outlives the runs, so messages of another epoch are not a
 * subscription's.
 */
final class RemoteProtocol {

  private RemoteProtocol() {}

  /**
   * The instance key: the event and its canonical argument (as {@link
   * io.herald.event.SourceManager} shares).
   */
  static String key(String event, Object argument) {
    return event + '\u0000' + Argument.canonical(argument);
  }

  static JsonObject join(String event, Object argument, String key, String hold) {
    return new JsonObject()
        .put("op", "join")
        .put("event", event)
        .put("argument", argument)
        .put("key", key)
        .put("hold", hold);
  }

  static JsonObject leave(String key, String hold) {
    return new JsonObject().put("op", "leave").put("key", key).put("hold", hold);
  }

  static JsonObject joined(StreamPosition at, List<EventMessage> items) {
    JsonArray list = new JsonArray();
    items.forEach(item -> list.add(item.toJson()));
    return positioned(at).put("items", list);
  }

  /** The position of a stream body or of a join's answer. */
  static StreamPosition position(JsonObject body) {
    return new StreamPosition(body.getString("epoch"), body.getLong("seq"));
  }

  private static JsonObject positioned(StreamPosition position) {
    return new JsonObject().put("epoch", position.epoch()).put("seq", position.offset());
  }

  static List<EventMessage> items(JsonObject joined) {
    List<EventMessage> items = new ArrayList<>();
    joined
        .getJsonArray("items", new JsonArray())
        .forEach(item -> items.add(EventMessage.fromFrame((JsonObject) item)));
    return items;
  }

  static JsonObject redirect(String node) {
    return new JsonObject().put("redirect", node);
  }

  static JsonObject error(ErrorDict error) {
    return new JsonObject().put("error", error.toJson());
  }

  static JsonObject message(StreamPosition position, EventMessage message) {
    return positioned(position).put("message", message.toJson());
  }

  static JsonObject end(StreamPosition position, ErrorDict error) {
    return positioned(position)
        .put("end", true)
        .put("error", error == null ? null : error.toJson());
  }

  /** The error of an {@code end} or of a reply, or null. */
  static ErrorDict errorOf(JsonObject body) {
    JsonObject error = body.getJsonObject("error");
    return error == null ? null : ErrorDict.fromJson(error);
  }

  /**
   * The node a HOST source's argument names: a string {@code "node"} in an object argument, or
   * null.
   */
  static String node(Object argument) {
    return argument instanceof JsonObject json && json.getValue("node") instanceof String node
        ? node
        : null;
  }

  /**
   * The argument the source sees, without its {@code "node"}: an object left empty becomes no
   * argument, so that {@code {"node": id}} shares the instance of the bare name on that node.
   */
  static Object withoutNode(Object argument) {
    if (node(argument) == null) {
      return argument;
    }
    JsonObject rest = ((JsonObject) argument).copy();
    rest.remove("node");
    return rest.isEmpty() ? null : rest;
  }
}

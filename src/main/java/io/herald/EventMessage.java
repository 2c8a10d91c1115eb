package io.herald;

import io.vertx.core.json.JsonObject;

/**
 * One change to a collection, as producers publish it: {@code added} / {@code changed} / {@code
 * removed}, an optional {@code id}, {@code fields} (not on {@code removed}) and optional producer
 * data under {@code extra}. On the wire it becomes {@code
 * {"msg":..,"collection":..,"id":..,"fields":..,"extra":..}}; absent parts are left out.
 *
 * <p>{@code owner} (never on the wire) is the user the message concerns, for an {@link
 * EventDescriptor#ownerScoped} event: subscribers without the event's roles receive only the
 * messages they own. Null: the message concerns no one in particular.
 */
public record EventMessage(
    Kind kind, Object id, JsonObject fields, JsonObject extra, String owner) {

  public enum Kind {
    ADDED("added"),
    CHANGED("changed"),
    REMOVED("removed");

    public final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    static Kind fromWire(String msg) {
      for (Kind kind : values()) {
        if (kind.wire.equals(msg)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("not an event message: " + msg);
    }
  }

  public EventMessage {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
    if (kind == Kind.REMOVED && fields != null) {
      throw new IllegalArgumentException("a removed message carries no fields");
    }
    if (kind != Kind.REMOVED && fields == null) {
      throw new IllegalArgumentException(kind.wire + " needs fields");
    }
    if (kind == Kind.REMOVED && id == null) {
      throw new IllegalArgumentException("removed needs an id");
    }
  }

  public EventMessage(Kind kind, Object id, JsonObject fields, JsonObject extra) {
    this(kind, id, fields, extra, null);
  }

  public static EventMessage added(Object id, JsonObject fields) {
    return new EventMessage(Kind.ADDED, id, fields, null);
  }

  public static EventMessage changed(Object id, JsonObject fields) {
    return new EventMessage(Kind.CHANGED, id, fields, null);
  }

  public static EventMessage removed(Object id) {
    return new EventMessage(Kind.REMOVED, id, null, null);
  }

  public EventMessage withExtra(JsonObject extra) {
    return new EventMessage(kind, id, fields, extra, owner);
  }

  /** This message, concerning {@code owner}. */
  public EventMessage withOwner(String owner) {
    return new EventMessage(kind, id, fields, extra, owner);
  }

  /** The client frame for this message in {@code collection}. */
  public JsonObject toFrame(String collection) {
    JsonObject frame = new JsonObject().put("msg", kind.wire).put("collection", collection);
    if (id != null) {
      frame.put("id", id);
    }
    if (fields != null) {
      frame.put("fields", fields);
    }
    if (extra != null) {
      frame.put("extra", extra);
    }
    return frame;
  }

  /**
   * The message without a collection ({@code {"msg","id","fields","extra"}}); {@link #fromFrame}
   * reads it.
   */
  public JsonObject toJson() {
    JsonObject json = toFrame(null);
    json.remove("collection");
    return json;
  }

  public static EventMessage fromFrame(JsonObject frame) {
    return new EventMessage(
        Kind.fromWire(frame.getString("msg")),
        frame.getValue("id"),
        frame.getJsonObject("fields"),
        frame.getJsonObject("extra"));
  }
}

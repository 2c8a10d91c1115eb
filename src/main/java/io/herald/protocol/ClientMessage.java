package io.herald.protocol;

import io.vertx.core.json.JsonArray;

/** A message from a client, already checked for shape and types by {@link MessageDecoder}. */
public sealed interface ClientMessage {

  /** {@code {"msg":"connect","version":"1","support":["1"]}}. */
  record Connect(Object version) implements ClientMessage {}

  /** {@code {"msg":"ping","id":"x"}}; {@code id} is optional and echoed as sent. */
  record Ping(Object id) implements ClientMessage {}

  /**
   * {@code {"msg":"sub","id":..,"name":"event[:arg]"}}; {@code id} is a string or a number, echoed
   * as sent. {@code "snapshot": true} asks for the event's current items (as {@code added}) before
   * {@code ready}; {@code "positions": true} for a {@code "position"} on every message; {@code
   * "since": "<position>"} for the messages missed since that position first (see {@link Resume}).
   */
  record Sub(Object id, String name, boolean snapshot, Resume resume) implements ClientMessage {

    public Sub(Object id, String name) {
      this(id, name, false, Resume.NONE);
    }

    public Sub(Object id, String name, boolean snapshot) {
      this(id, name, snapshot, Resume.NONE);
    }
  }

  /**
   * What a subscription asks of the event's history: {@code positions}, a position on every
   * message; {@code since}, the position the client last saw (null: none), whose missed messages
   * come first. A subscription with {@code since} gets positions too.
   */
  record Resume(boolean positions, String since) {
    public static final Resume NONE = new Resume(false, null);

    public Resume {
      positions = positions || since != null;
    }

    public boolean asked() {
      return positions;
    }
  }

  /** {@code {"msg":"unsub","id":..}}. */
  record Unsub(Object id) implements ClientMessage {}

  /**
   * {@code {"msg":"method","id":..,"method":"svc.name","params":[..]}}; absent params are an empty
   * list.
   */
  record Method(Object id, String method, JsonArray params) implements ClientMessage {}
}

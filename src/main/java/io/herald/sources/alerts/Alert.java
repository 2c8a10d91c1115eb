package io.herald.sources.alerts;

import io.herald.TypedValues;
import io.vertx.core.json.JsonObject;

/**
 * One standing alert. Confined to the engine's context; {@link #toJson} is the object clients get.
 */
final class Alert {

  enum Level {
    WARNING,
    CRITICAL
  }

  final String uuid;
  final String source;
  final String key;
  final boolean oneShot;
  final long datetime;
  Level level;
  JsonObject args;
  String formatted;
  long lastOccurrence;
  boolean dismissed;

  /** The timer that removes a one-shot alert, or -1. */
  long expiry = -1;

  Alert(
      String uuid,
      String source,
      String key,
      boolean oneShot,
      long now,
      Level level,
      JsonObject args,
      String formatted) {
    this.uuid = uuid;
    this.source = source;
    this.key = key;
    this.oneShot = oneShot;
    this.datetime = now;
    this.lastOccurrence = now;
    this.level = level;
    this.args = args;
    this.formatted = formatted;
  }

  JsonObject toJson(String node) {
    return new JsonObject()
        .put("uuid", uuid)
        .put("id", uuid)
        .put("node", node)
        .put("source", source)
        .put("klass", source)
        .put("level", level.name())
        .put("key", key)
        .put("args", args.copy())
        .put("formatted", formatted)
        .put("text", formatted)
        .put("datetime", TypedValues.date(datetime))
        .put("last_occurrence", TypedValues.date(lastOccurrence))
        .put("dismissed", dismissed)
        .put("one_shot", oneShot);
  }
}

package io.herald.jobs;

import io.herald.EventMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a {@code core.get_jobs} event carries of a job. Every event of a job (queued, started, each
 * progress step, the end) and every snapshot item is the whole job object, sent to every {@code *}
 * subscriber: with the arguments of a large call (a 57 KB {@code core.bulk}) that was 252 KB per
 * subscriber per job. So arguments longer than {@value #MAX_ARGUMENTS_CHARS} characters (encoded)
 * are left out of events: {@code arguments} is {@code []} and {@code arguments_clipped} is their
 * encoded length. The {@code core.get_jobs} method answers them in full.
 */
final class JobEvents {

  static final int MAX_ARGUMENTS_CHARS = 1024;

  private JobEvents() {}

  /** {@code message} with its job's arguments clipped when they are too long. */
  static EventMessage clipped(EventMessage message) {
    JsonObject fields = message.fields();
    if (fields == null || !(fields.getValue("arguments") instanceof JsonArray arguments)) {
      return message;
    }
    int length = arguments.encode().length();
    if (length <= MAX_ARGUMENTS_CHARS) {
      return message;
    }
    JsonObject clipped = fields.copy().put("arguments", new JsonArray());
    clipped.put("arguments_clipped", length);
    return new EventMessage(message.kind(), message.id(), clipped, message.extra());
  }
}

package io.herald.sources.files;

import io.herald.CallError;
import io.herald.ErrorDict;
import io.vertx.core.json.JsonObject;

/**
 * The argument of {@code filesystem.file_tail_follow}: raw {@code <path>[:<lines>]} (the lines
 * count is taken from the last colon when what follows it is a number) or JSON {@code {"path":
 * "...", "tail_lines": n}}.
 */
record TailArgument(String path, int tailLines) {

  static final int DEFAULT_LINES = 3;

  static TailArgument parse(Object argument) {
    if (argument instanceof JsonObject json) {
      return new TailArgument(json.getString("path"), json.getInteger("tail_lines", DEFAULT_LINES));
    }
    if (argument instanceof String raw) {
      int colon = raw.lastIndexOf(':');
      if (colon > 0 && raw.substring(colon + 1).matches("\\d{1,6}")) {
        return new TailArgument(
            raw.substring(0, colon), Integer.parseInt(raw.substring(colon + 1)));
      }
      return new TailArgument(raw, DEFAULT_LINES);
    }
    throw new CallError(
        ErrorDict.validation(TailFollowSource.NAME, "Expected <path>[:<lines>] or {\"path\": ..}"));
  }
}

package io.herald.method;

import io.vertx.core.json.JsonArray;

/** One call of a method: its positional {@code params} (already validated) and the caller's session id. */
public record MethodCall(String method, JsonArray params, String session) {
}

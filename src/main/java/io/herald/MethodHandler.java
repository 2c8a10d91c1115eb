package io.herald;

import io.vertx.core.Future;

/** Handles one call. Fail with a {@link io.herald.CallError} to choose the client's error dict. */
@FunctionalInterface
public interface MethodHandler {

  Future<Object> handle(MethodCall call);
}

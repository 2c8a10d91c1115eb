package io.herald.method;

import io.vertx.core.Future;

/** Handles one call. Fail with a {@link io.herald.protocol.CallError} to choose the client's error dict. */
@FunctionalInterface
public interface MethodHandler {

  Future<Object> handle(MethodCall call);
}

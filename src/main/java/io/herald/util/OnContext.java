package io.herald.util;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** Brings a future's completion back to a context: code confined to an event loop stays on it. */
public final class OnContext {

  private OnContext() {
  }

  /** {@code future}, completing on {@code context} whichever thread completes the original. */
  public static <T> Future<T> on(Context context, Future<T> future) {
    if (context == null) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        promise.handle(ar);
      } else {
        context.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }
}

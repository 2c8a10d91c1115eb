package io.herald.util;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** Brings a future's completion back to a context: code confined to an event loop stays on it. */
public final class OnContext {

  private OnContext() {}

  /** Runs {@code action} on {@code context}: at once when already there, else on its next turn. */
  public static void run(Context context, Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  /**
   * The value of {@code action} computed on {@code context}; a RuntimeException it throws fails the
   * future.
   */
  public static <T> Future<T> call(Context context, Supplier<T> action) {
    Promise<T> promise = Promise.promise();
    run(
        context,
        () -> {
          try {
            promise.complete(action.get());
          } catch (RuntimeException e) {
            promise.fail(e);
          }
        });
    return promise.future();
  }

  /** {@code future}, completing on {@code context} whichever thread completes the original. */
  public static <T> Future<T> on(Context context, Future<T> future) {
    if (context == null) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(
        ar -> {
          if (Vertx.currentContext() == context) {
            promise.handle(ar);
          } else {
            context.runOnContext(v -> promise.handle(ar));
          }
        });
    return promise.future();
  }
}

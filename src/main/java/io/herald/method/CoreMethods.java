package io.herald.method;

import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** The built-in {@code core.*} methods. */
public final class CoreMethods {

  private static final JsonObject NO_PARAMS =
      new JsonObject().put("type", "array").put("maxItems", 0);

  private CoreMethods() {}

  public static Future<Void> install(Herald herald) {
    return Future.all(
            herald.registerMethod(
                new MethodDescriptor(
                        "core.ping",
                        "Returns \"pong\".",
                        NO_PARAMS,
                        call -> Future.succeededFuture("pong"))
                    .callableBeforeLogin()),
            herald.registerMethod(
                new MethodDescriptor(
                        "core.get_events",
                        "The catalogue of events: `{name: {description, wildcard_subscription, accepts, returns}}`.",
                        NO_PARAMS,
                        call -> Future.succeededFuture(herald.catalogue()))
                    .callableBeforeLogin()))
        .mapEmpty();
  }
}

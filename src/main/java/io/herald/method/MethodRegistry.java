package io.herald.method;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.MethodCall;
import io.herald.MethodDescriptor;
import io.herald.bus.Addresses;
import io.herald.protocol.Schema;
import io.herald.util.OnContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Methods callable by clients. A method registered on a node is served there directly and to every
 * other node over the event bus at {@code herald.method.<name>}; a call for a method this node does
 * not have travels to a node that has it.
 */
public final class MethodRegistry {

  private record Registered(
      MethodDescriptor descriptor,
      Schema schema,
      MessageConsumer<JsonObject> consumer,
      boolean job) {}

  /** A call's answer; {@code job}: the method is a job method and {@code value} is the job id. */
  public record Result(Object value, boolean job) {}

  private final Vertx vertx;
  private final long remoteTimeoutMs;
  private final Map<String, Registered> local = new ConcurrentHashMap<>();

  public MethodRegistry(Vertx vertx, long remoteTimeoutMs) {
    this.vertx = vertx;
    this.remoteTimeoutMs = remoteTimeoutMs;
  }

  /** Registers a method on this node; completes once other nodes can reach it. */
  public Future<Void> register(MethodDescriptor descriptor) {
    return register(descriptor, false);
  }

  /**
   * Registers a method; {@code job}: its answer is the id of the job it started (a JSON-RPC client
   * that asked may be answered when the job ends instead).
   */
  public Future<Void> register(MethodDescriptor descriptor, boolean job) {
    if (local.containsKey(descriptor.name())) {
      return Future.failedFuture(
          new CallError(
              Errno.EEXIST,
              "Method '" + descriptor.name() + "' is already registered on this node"));
    }
    MessageConsumer<JsonObject> consumer =
        vertx.eventBus().consumer(Addresses.method(descriptor.name()));
    Registered registered =
        new Registered(
            descriptor,
            descriptor.params() == null ? null : Schema.of(descriptor.params()),
            consumer,
            job);
    local.put(descriptor.name(), registered);
    consumer.handler(
        msg -> {
          JsonObject body = msg.body();
          invoke(
                  registered,
                  new MethodCall(
                      descriptor.name(),
                      body.getJsonArray("params", new JsonArray()),
                      body.getString("session"),
                      Caller.fromJson(body.getJsonObject("caller", new JsonObject())),
                      body.getValue("message_id")))
              .onComplete(
                  ar ->
                      msg.reply(
                          ar.succeeded()
                              ? new JsonObject().put("result", ar.result()).put("job", job)
                              : new JsonObject()
                                  .put("error", CallError.toErrorDict(ar.cause()).toJson())));
        });
    return consumer.completion();
  }

  /**
   * Calls {@code method} as {@code caller} here if this node has it, else on a node that has it;
   * fails with a {@link CallError}. The node that serves the method checks the caller's roles
   * against the method's (the caller travels with the call: the event bus is the cluster's own).
   * The future completes on the caller's context, whichever thread the handler completed it on.
   */
  public Future<Object> call(String method, JsonArray params, String session, Caller caller) {
    return call(method, params, session, caller, null).map(Result::value);
  }

  /**
   * As {@link #call(String, JsonArray, String, Caller)}, for a client's call {@code messageId},
   * telling whether the answer is a job's id.
   */
  public Future<Result> call(
      String method, JsonArray params, String session, Caller caller, Object messageId) {
    return OnContext.on(
        Vertx.currentContext(), dispatch(method, params, session, caller, messageId));
  }

  private Future<Result> dispatch(
      String method, JsonArray params, String session, Caller caller, Object messageId) {
    Registered registered = local.get(method);
    if (registered != null) {
      return invoke(registered, new MethodCall(method, params, session, caller, messageId))
          .map(value -> new Result(value, registered.job()));
    }
    JsonObject request =
        new JsonObject()
            .put("params", params)
            .put("session", session)
            .put("caller", caller.toJson())
            .put("message_id", messageId);
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.method(method),
            request,
            new DeliveryOptions().setSendTimeout(remoteTimeoutMs))
        .recover(failure -> Future.failedFuture(remoteFailure(method, failure)))
        .compose(
            reply -> {
              JsonObject body = reply.body();
              if (body.containsKey("error")) {
                return Future.failedFuture(
                    new CallError(ErrorDict.fromJson(body.getJsonObject("error"))));
              }
              return Future.succeededFuture(
                  new Result(body.getValue("result"), body.getBoolean("job", false)));
            });
  }

  private static CallError remoteFailure(String method, Throwable failure) {
    if (failure instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return new CallError(ErrorDict.noMethod(method));
    }
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
      return new CallError(Errno.ETIMEDOUT, "Method '" + method + "' did not answer in time");
    }
    return new CallError(CallError.toErrorDict(failure));
  }

  private static Future<Object> invoke(Registered registered, MethodCall call) {
    MethodDescriptor descriptor = registered.descriptor();
    if (!descriptor.noAuthRequired() && !call.caller().mayUse(descriptor.roles())) {
      return Future.failedFuture(new CallError(call.caller().refusal()));
    }
    if (registered.schema() != null) {
      ErrorDict invalid = registered.schema().check(call.params(), call.method());
      if (invalid != null) {
        return Future.failedFuture(new CallError(invalid));
      }
    }
    try {
      Future<Object> result = registered.descriptor().handler().handle(call);
      return result == null ? Future.succeededFuture() : result;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Whether {@code method} is registered on this node. */
  public boolean has(String method) {
    return local.containsKey(method);
  }

  /** The methods registered on this node. */
  public java.util.List<MethodDescriptor> descriptors() {
    return local.values().stream().map(Registered::descriptor).toList();
  }

  public Future<Void> close() {
    return Future.all(local.values().stream().map(r -> r.consumer().unregister()).toList())
        .mapEmpty();
  }
}

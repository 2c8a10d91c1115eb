package io.herald.session;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.ErrorDict;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.JsonRpc;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A connection at {@code /api/current}: JSON-RPC 2.0 requests, notifications and batches over the
 * connection's session — its login, limits, subscriptions and calls are those of the legacy
 * protocol. Confined to the connection's event loop.
 *
 * <p>Served here: {@code core.subscribe(name)} (its response is the subscription id once live;
 * events then come as {@code collection_update}, an end as {@code notify_unsubscribed}), {@code
 * core.unsubscribe(id)} and {@code core.set_options(options)}. With {@code legacy_jobs: false} a
 * job method's call is answered when its job ends, with the job's result or error.
 */
final class JsonRpcSession {

  /** Requests in one batch at most; a longer batch is refused whole. */
  static final int MAX_BATCH = 100;

  private final Connection connection;
  private boolean legacyJobs = true;
  private boolean privateMethods;
  private boolean pyExceptions;

  JsonRpcSession(Connection connection) {
    this.connection = connection;
  }

  void onText(String text) {
    JsonRpc.Message message;
    try {
      message = JsonRpc.parse(text, connection.maxJsonDepth());
    } catch (JsonRpc.ParseError e) {
      connection.malformed(e.getMessage());
      if (admitted(null)) {
        connection.send(
            JsonRpc.errorResponse(null, JsonRpc.error(JsonRpc.PARSE_ERROR, e.getMessage(), null)));
      }
      return;
    }
    if (!admitted(message)) {
      return;
    }
    if (message.batch() && message.items().size() > MAX_BATCH) {
      connection.send(
          JsonRpc.errorResponse(
              null,
              JsonRpc.error(
                  JsonRpc.INVALID_REQUEST,
                  "Invalid Request: a batch of at most " + MAX_BATCH + " requests",
                  null)));
      return;
    }
    List<Future<JsonObject>> answers = new ArrayList<>();
    message.items().forEach(item -> answers.add(handle(item)));
    if (!message.batch()) {
      answers.get(0).onSuccess(this::sendIfAny);
      return;
    }
    // A batch is answered once, with the responses of its requests (notifications have none).
    Future.join(answers)
        .onComplete(
            ar -> {
              JsonArray responses = new JsonArray();
              answers.forEach(
                  a -> {
                    if (a.succeeded() && a.result() != null) {
                      responses.add(a.result());
                    }
                  });
              if (!responses.isEmpty()) {
                connection.send(responses);
              }
            });
  }

  private void sendIfAny(JsonObject response) {
    if (response != null) {
      connection.send(response);
    }
  }

  /** Within the rate limit; else the message is answered (when it has an id), not handled. */
  private boolean admitted(JsonRpc.Message message) {
    String refusal = connection.admit();
    if (refusal == null) {
      return true;
    }
    Object id = null;
    if (message != null
        && !message.batch()
        && message.items().get(0) instanceof JsonRpc.Request r) {
      if (r.notification()) {
        return false;
      }
      id = r.id();
    }
    connection.send(
        JsonRpc.errorResponse(id, JsonRpc.error(JsonRpc.TOO_MANY_CONCURRENT_CALLS, refusal, null)));
    return false;
  }

  /** The response to one item (null for a notification); never fails. */
  private Future<JsonObject> handle(Object item) {
    if (item instanceof JsonRpc.Invalid invalid) {
      connection.malformed(invalid.error().getString("message"));
      return Future.succeededFuture(JsonRpc.errorResponse(invalid.id(), invalid.error()));
    }
    JsonRpc.Request request = (JsonRpc.Request) item;
    Future<Object> result;
    try {
      result =
          switch (request.method()) {
            case "core.subscribe" -> subscribe(request);
            case "core.unsubscribe" -> unsubscribe(request);
            case "core.set_options" -> setOptions(request);
            default -> call(request);
          };
    } catch (CallError e) {
      result = Future.failedFuture(e);
    }
    return result.transform(
        ar -> {
          if (request.notification()) {
            return Future.succeededFuture(null);
          }
          if (ar.failed()) {
            return Future.succeededFuture(
                JsonRpc.errorResponse(
                    request.id(), JsonRpc.error(CallError.toErrorDict(ar.cause()))));
          }
          return Future.succeededFuture(JsonRpc.response(request.id(), ar.result()));
        });
  }

  /**
   * A method call through the session (its login, roles and concurrency limit); with {@code
   * legacy_jobs: false}, a job method's answer waits for the job's end.
   */
  private Future<Object> call(JsonRpc.Request request) {
    // A job waited for is still the call in flight: it keeps its place in the connection's limit.
    return connection.limited(
        () ->
            connection
                .dispatch(request.method(), request.params(), request.id())
                .compose(
                    result -> {
                      if (!result.job() || legacyJobs) {
                        return Future.succeededFuture(result.value());
                      }
                      // The session started the job for its caller: it may wait for it, whoever
                      // that is.
                      return connection.invokeAs(
                          "core.job_wait", new JsonArray().add(result.value()), Caller.INTERNAL);
                    }));
  }

  /**
   * {@code core.subscribe(name[, options])}: the response is the new subscription's id once it is
   * live (or the refusal); {@code name} as a legacy {@code sub}'s, {@code event} or {@code
   * event:arg}. With {@code options} {@code {"positions": true}} or {@code {"since": "<position>"}}
   * (as a legacy {@code sub}'s fields), every {@code collection_update} carries its {@code
   * position}, and the response is {@code {"id", "position", "recovered"?}}.
   */
  private Future<Object> subscribe(JsonRpc.Request request) {
    JsonArray params = request.params();
    if (params.isEmpty() || !(params.getValue(0) instanceof String name)) {
      throw new CallError(ErrorDict.validation("core.subscribe.name", "Expected a string"));
    }
    ClientMessage.Resume resume = ClientMessage.Resume.NONE;
    if (params.size() > 1) {
      if (params.size() > 2 || !(params.getValue(1) instanceof JsonObject options)) {
        throw new CallError(
            ErrorDict.validation("core.subscribe.options", "Expected {\"positions\", \"since\"}"));
      }
      for (String key : options.fieldNames()) {
        if (!key.equals("positions") && !key.equals("since")) {
          throw new CallError(
              ErrorDict.validation("core.subscribe.options." + key, "Unknown option"));
        }
      }
      if (options.containsKey("positions") && !(options.getValue("positions") instanceof Boolean)
          || options.containsKey("since") && !(options.getValue("since") instanceof String)) {
        throw new CallError(
            ErrorDict.validation(
                "core.subscribe.options", "positions is a boolean, since a position string"));
      }
      resume =
          new ClientMessage.Resume(
              options.getBoolean("positions", false), options.getString("since"));
    }
    String id = UUID.randomUUID().toString();
    Promise<Object> answer = Promise.promise();
    connection
        .subscriptions()
        .subscribe(
            id,
            name,
            false,
            resume,
            new Subscription.Answer() {
              @Override
              public void ready(JsonObject details) {
                answer.tryComplete(
                    details == null ? id : new JsonObject().put("id", id).mergeIn(details));
              }

              @Override
              public void refused(ErrorDict error, boolean byRole) {
                answer.tryFail(new CallError(error));
              }
            });
    return answer.future();
  }

  /** {@code core.unsubscribe(id)}: null, whether or not there was such a subscription. */
  private Future<Object> unsubscribe(JsonRpc.Request request) {
    JsonArray params = request.params();
    if (params.isEmpty() || !(params.getValue(0) instanceof String id)) {
      throw new CallError(ErrorDict.validation("core.unsubscribe.id", "Expected a string"));
    }
    connection.subscriptions().unsubscribe(id);
    return Future.succeededFuture(null);
  }

  /**
   * {@code core.set_options({"legacy_jobs", "private_methods", "py_exceptions"})}: the options now
   * in force. {@code py_exceptions} is accepted and has no effect (Herald has no Python exceptions
   * to send); so has {@code private_methods} (no method is private).
   */
  private Future<Object> setOptions(JsonRpc.Request request) {
    JsonArray params = request.params();
    if (params.size() != 1 || !(params.getValue(0) instanceof JsonObject options)) {
      throw new CallError(ErrorDict.validation("core.set_options.options", "Expected an object"));
    }
    for (String key : options.fieldNames()) {
      if (!List.of("legacy_jobs", "private_methods", "py_exceptions").contains(key)
          || !(options.getValue(key) instanceof Boolean)) {
        throw new CallError(
            ErrorDict.validation(
                "core.set_options.options." + key,
                "Expected one of legacy_jobs, private_methods, py_exceptions, each a boolean"));
      }
    }
    legacyJobs = options.getBoolean("legacy_jobs", legacyJobs);
    privateMethods = options.getBoolean("private_methods", privateMethods);
    pyExceptions = options.getBoolean("py_exceptions", pyExceptions);
    return Future.succeededFuture(
        new JsonObject()
            .put("legacy_jobs", legacyJobs)
            .put("private_methods", privateMethods)
            .put("py_exceptions", pyExceptions));
  }
}

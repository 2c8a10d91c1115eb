package io.herald.jobs;

import io.herald.EventDescriptor;
import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.herald.Roles;
import io.herald.TypedValues;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code core.get_jobs} event and the {@code core.get_jobs} / {@code core.job_abort} / {@code
 * core.job_wait} methods.
 */
public final class JobMethods {

  static final JsonObject JOB_SCHEMA =
      new JsonObject()
          .put("type", "object")
          .put(
              "required",
              new JsonArray()
                  .add("id")
                  .add("method")
                  .add("arguments")
                  .add("logs_path")
                  .add("logs_excerpt")
                  .add("progress")
                  .add("result")
                  .add("error")
                  .add("exception")
                  .add("exc_info")
                  .add("state")
                  .add("time_started")
                  .add("time_finished"))
          .put(
              "properties",
              new JsonObject()
                  .put("id", new JsonObject().put("type", "integer"))
                  .put("method", new JsonObject().put("type", "string"))
                  .put("arguments", new JsonObject().put("type", "array"))
                  .put(
                      "arguments_clipped",
                      new JsonObject()
                          .put("type", "integer")
                          .put(
                              "description",
                              "In events only: the arguments were left out ([]); their encoded length"))
                  .put(
                      "state",
                      new JsonObject()
                          .put(
                              "enum",
                              new JsonArray()
                                  .add("WAITING")
                                  .add("RUNNING")
                                  .add("SUCCESS")
                                  .add("FAILED")
                                  .add("ABORTED")))
                  .put("progress", new JsonObject().put("type", "object"))
                  .put("time_started", TypedValues.DATE_SCHEMA)
                  .put(
                      "time_finished",
                      new JsonObject()
                          .put(
                              "oneOf",
                              new JsonArray()
                                  .add(TypedValues.DATE_SCHEMA)
                                  .add(new JsonObject().put("type", "null")))));

  public static final EventDescriptor EVENT =
      EventDescriptor.broadcast(JobManager.EVENT)
          .description(
              """
          Jobs: long-running method calls. `added` when a job is queued (state `WAITING`), `changed` when it \
          starts (`RUNNING`), when its progress or description changes, and always once more when it ends \
          (`SUCCESS`, `FAILED` or `ABORTED`, with `time_finished`). `removed` when a finished job leaves the \
          history. `id` is the job id; `fields` is the whole job object. A user without `JOBS_READ` receives           only the jobs they started.""")
          .returns(JOB_SCHEMA)
          .roles(Roles.JOBS_READ)
          .ownerScoped(true)
          .history(1000, 300_000)
          .build();

  private static final JsonObject ID_PARAM =
      new JsonObject()
          .put("type", "array")
          .put("minItems", 1)
          .put("maxItems", 1)
          .put(
              "prefixItems",
              new JsonArray()
                  .add(
                      // every job id is in this range (below 2^53); a larger or a fractional number
                      // is refused rather than read as another id
                      new JsonObject()
                          .put("type", "integer")
                          .put("minimum", 0)
                          .put("maximum", JobIds.MAX_ID)));

  private JobMethods() {}

  public static Future<Void> install(Herald herald, ClusterJobs jobs) {
    herald.registerSnapshot(JobManager.EVENT, jobs::snapshot);
    return herald
        .registerEvent(EVENT)
        .compose(
            v ->
                Future.all(
                        herald.registerMethod(
                            new MethodDescriptor(
                                    "core.get_jobs",
                                    "Jobs matching `filters` (e.g. `[[\"state\", \"=\", \"RUNNING\"]]`), shaped by `options` "
                                        + "(`order_by`, `limit`, `offset`, `select`, `count`, `get`).",
                                    new JsonObject()
                                        .put("type", "array")
                                        .put("maxItems", 2)
                                        .put(
                                            "prefixItems",
                                            new JsonArray()
                                                .add(new JsonObject().put("type", "array"))
                                                .add(new JsonObject().put("type", "object"))),
                                    call ->
                                        jobs.query(
                                            call.param(0, new JsonArray()),
                                            call.param(1, new JsonObject()),
                                            call.caller()))
                                .roles(Roles.JOBS_READ, Roles.AUTHENTICATED)),
                        herald.registerMethod(
                            new MethodDescriptor(
                                    "core.job_abort",
                                    "Aborts a job.",
                                    ID_PARAM,
                                    call ->
                                        jobs.abort(call.params().getLong(0), call.caller())
                                            .map(v2 -> null))
                                .roles(Roles.JOBS_WRITE, Roles.AUTHENTICATED)),
                        herald.registerMethod(
                            new MethodDescriptor(
                                    "core.job_wait",
                                    "Waits for a job to end; returns its result.",
                                    ID_PARAM,
                                    call -> jobs.await(call.params().getLong(0), call.caller()))
                                .roles(Roles.JOBS_READ, Roles.AUTHENTICATED)))
                    .mapEmpty());
  }
}

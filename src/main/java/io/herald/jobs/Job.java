package io.herald.jobs;

import io.herald.TypedValues;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One job's state. Confined to the job engine's context; {@link #toJson} is the seed's job object.
 */
final class Job {

  static final int EXCERPT_LINES = 10;

  final long id;
  final String method;
  final JsonArray arguments;
  final long timeStarted;

  /** The user who started it (null: a verticle, or an anonymous connection). */
  final String owner;

  /** The ids of the client calls that started it (empty for a verticle's call). */
  final JsonArray messageIds;

  JobState state = JobState.WAITING;
  Long timeFinished;
  Number percent;
  String progressDescription;
  Object progressExtra;
  String description;
  Object result;
  String error;
  String exception;
  JsonObject excInfo;
  String logsPath;
  final Deque<String> logTail = new ArrayDeque<>();
  boolean abortRequested;

  Job(
      long id,
      String method,
      JsonArray arguments,
      long timeStarted,
      String owner,
      JsonArray messageIds) {
    this.id = id;
    this.method = method;
    this.arguments = arguments;
    this.timeStarted = timeStarted;
    this.owner = owner;
    this.messageIds = messageIds;
  }

  /**
   * The owner named by a job object's {@code credentials} ({@code {"type": "USER", "data":
   * {"username"}}}, as the original names a job's user), or null.
   */
  static String ownerOf(JsonObject json) {
    JsonObject credentials = json == null ? null : json.getJsonObject("credentials");
    JsonObject data = credentials == null ? null : credentials.getJsonObject("data");
    return data == null ? null : data.getString("username");
  }

  /** A job described by another node's {@link #toJson}; its log lines are not carried over. */
  static Job fromJson(JsonObject json) {
    JsonObject started = json.getJsonObject("time_started");
    Job job =
        new Job(
            json.getLong("id"),
            json.getString("method"),
            json.getJsonArray("arguments", new JsonArray()),
            started == null ? 0 : started.getLong("$date"),
            ownerOf(json),
            json.getJsonArray("message_ids", new JsonArray()));
    job.state = JobState.valueOf(json.getString("state"));
    JsonObject finished = json.getJsonObject("time_finished");
    job.timeFinished = finished == null ? null : finished.getLong("$date");
    JsonObject progress = json.getJsonObject("progress", new JsonObject());
    job.percent = progress.getNumber("percent");
    job.progressDescription = progress.getString("description");
    job.progressExtra = progress.getValue("extra");
    job.description = json.getString("description");
    job.result = json.getValue("result");
    job.error = json.getString("error");
    job.exception = json.getString("exception");
    job.excInfo = json.getJsonObject("exc_info");
    job.logsPath = json.getString("logs_path");
    if (json.getString("logs_excerpt") != null) {
      job.appendLog(json.getString("logs_excerpt"));
    }
    return job;
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("method", method)
        .put("arguments", arguments.copy())
        .put("description", description)
        .put("abortable", true)
        .put("message_ids", messageIds.copy())
        .put(
            "credentials",
            owner == null
                ? null
                : new JsonObject()
                    .put("type", "USER")
                    .put("data", new JsonObject().put("username", owner)))
        .put("logs_path", logsPath)
        .put("logs_excerpt", logTail.isEmpty() ? null : String.join("\n", logTail))
        .put(
            "progress",
            new JsonObject()
                .put("percent", percent)
                .put("description", progressDescription)
                .put("extra", progressExtra))
        .put("result", result)
        .put("error", error)
        .put("exception", exception)
        .put("exc_info", excInfo)
        .put("state", state.name())
        .put("time_started", TypedValues.date(timeStarted))
        .put("time_finished", timeFinished == null ? null : TypedValues.date(timeFinished));
  }

  void appendLog(String line) {
    logTail.addLast(line);
    while (logTail.size() > EXCERPT_LINES) {
      logTail.removeFirst();
    }
  }
}

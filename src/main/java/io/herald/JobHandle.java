package io.herald;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

/** What a running job can do. Every method is thread-safe. */
public interface JobHandle {

  long id();

  /** The call's parameters, already validated against the method's schema. */
  JsonArray params();

  /**
   * Who started the job: calls the handler makes on their behalf go through {@link
   * Herald#call(String, JsonArray, Caller)} with this caller, so that a job cannot do what its
   * caller may not.
   */
  Caller caller();

  /**
   * Reports progress. Clients see it as a {@code changed} event, throttled: at most one per integer
   * percent (unless the description changes) and at most one per {@code jobs.progress-interval-ms};
   * the latest values are always sent eventually.
   */
  void setProgress(Number percent, String description, Object extra);

  void setDescription(String description);

  /**
   * Appends a line to the job's log ({@code logs_path}; the last lines are in {@code
   * logs_excerpt}).
   */
  void log(String line);

  /** True once {@code core.job_abort} was called for this job. */
  boolean isAborted();

  /** Completes when an abort is requested, for handlers that wait on something cancellable. */
  Future<Void> abortRequested();
}

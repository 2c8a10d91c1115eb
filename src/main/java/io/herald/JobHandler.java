package io.herald;

import io.vertx.core.Future;

/**
 * The work of a job method. Runs on the job engine's event loop: do blocking work with {@code
 * vertx.executeBlocking}. The returned future's value is the job's {@code result}; a failure makes
 * the job FAILED (with the failure's message as {@code error}), unless an abort was requested,
 * which makes it ABORTED.
 */
@FunctionalInterface
public interface JobHandler {

  Future<Object> run(JobHandle job);
}

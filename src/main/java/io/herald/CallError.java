package io.herald;

/**
 * A failure that carries the {@link ErrorDict} the client receives. Anything else is reported as
 * EFAULT.
 */
public class CallError extends RuntimeException {

  public final transient ErrorDict error;

  public CallError(ErrorDict error) {
    super(error.reason(), null, false, false);
    this.error = error;
  }

  public CallError(Errno errno, String reason) {
    this(ErrorDict.of(errno, reason));
  }

  /**
   * The error dict for any failure: a {@link CallError}'s own, else EFAULT with the exception as
   * trace.
   */
  public static ErrorDict toErrorDict(Throwable failure) {
    if (failure instanceof CallError callError) {
      return callError.error;
    }
    String reason =
        failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    io.vertx.core.json.JsonObject trace =
        new io.vertx.core.json.JsonObject()
            .put("class", failure.getClass().getSimpleName())
            .put("frames", new io.vertx.core.json.JsonArray())
            .put("formatted", failure.toString());
    return new ErrorDict(Errno.EFAULT, null, reason, trace, null);
  }
}

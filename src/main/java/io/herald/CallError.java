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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CallError.class);

  /**
   * The error dict for any failure: a {@link CallError}'s own; for anything else (an unexpected
   * exception) EFAULT with a generic reason naming an id, under which the exception, its message
   * and its stack are logged here. Nothing of the exception reaches the client: its text can carry
   * internal details (paths, hosts, queries).
   */
  public static ErrorDict toErrorDict(Throwable failure) {
    if (failure instanceof CallError callError) {
      return callError.error;
    }
    String id = java.util.UUID.randomUUID().toString();
    LOG.error("internal error {}", id, failure);
    return ErrorDict.of(Errno.EFAULT, internalReason(id));
  }

  /** The reason of an unexpected failure logged under {@code id}. */
  public static String internalReason(String id) {
    return "Internal error (logged as " + id + ")";
  }
}

package io.herald.jobs;

/** What a failed job tells its subscribers about the exception that failed it. */
final class JobFailures {

  /** At most this many characters of the exception's message. */
  static final int MAX_MESSAGE = 1000;

  private JobFailures() {}

  /**
   * {@code SimpleClassName: message} (the message clipped), no stack: {@code exception} and {@code
   * exc_info.repr} of a job go to every {@code *} subscriber.
   */
  static String describe(Throwable failure) {
    String name = failure.getClass().getSimpleName();
    return failure.getMessage() == null ? name : name + ": " + message(failure);
  }

  /** The exception's message, clipped; its simple class name when it has none. */
  static String message(Throwable failure) {
    String message = failure.getMessage();
    if (message == null) {
      return failure.getClass().getSimpleName();
    }
    return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message;
  }
}

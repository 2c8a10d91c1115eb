package io.herald.jobs;

/**
 * WAITING → RUNNING → one of the terminal states; a WAITING job can also go straight to ABORTED.
 */
public enum JobState {
  WAITING,
  RUNNING,
  SUCCESS,
  FAILED,
  ABORTED;

  public boolean terminal() {
    return this == SUCCESS || this == FAILED || this == ABORTED;
  }
}

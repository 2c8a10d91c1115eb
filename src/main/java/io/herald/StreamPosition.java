package io.herald;

/**
 * A place in a stream of messages: {@code offset} messages have been sent in the run {@code epoch}
 * of the stream. An epoch names one run of one publisher — a node's publications of a broadcast
 * event, or one run of a source instance — and offsets count that run's messages from 1; positions
 * of different epochs are not comparable.
 */
public record StreamPosition(String epoch, long offset) {

  public StreamPosition {
    if (epoch == null || epoch.isEmpty() || offset < 0) {
      throw new IllegalArgumentException("invalid stream position " + epoch + "@" + offset);
    }
  }

  /** The position after this one's next message. */
  public StreamPosition next() {
    return new StreamPosition(epoch, offset + 1);
  }

  /** {@code <epoch>@<offset>}, as carried in a bus header. */
  @Override
  public String toString() {
    return epoch + "@" + offset;
  }

  /** The position {@link #toString} wrote, or null for null. */
  public static StreamPosition parse(String text) {
    if (text == null) {
      return null;
    }
    int at = text.lastIndexOf('@');
    if (at <= 0) {
      throw new IllegalArgumentException("invalid stream position '" + text + "'");
    }
    return new StreamPosition(text.substring(0, at), Long.parseLong(text.substring(at + 1)));
  }
}

package io.herald.history;

/**
 * One publication as the history keeps it: its offset in its publisher's run, when it was recorded
 * (ms, the publishing node's clock), the user it concerns (null: nobody in particular) and the
 * client frame exactly as subscribers receive it.
 */
public record HistoryEntry(long offset, long time, String owner, String frame) {

  public HistoryEntry {
    if (offset < 1 || frame == null) {
      throw new IllegalArgumentException("invalid history entry at offset " + offset);
    }
  }

  /**
   * The stored text: {@code <offset> <time> <owner length, -1 for none> <owner><frame>}, one string
   * (Hazelcast serialises a string compactly, with no class of Herald's on the members).
   */
  public String encode() {
    StringBuilder out =
        new StringBuilder(frame.length() + 40)
            .append(offset)
            .append(' ')
            .append(time)
            .append(' ')
            .append(owner == null ? -1 : owner.length())
            .append(' ');
    if (owner != null) {
      out.append(owner);
    }
    return out.append(frame).toString();
  }

  /** The entry {@link #encode} wrote. */
  public static HistoryEntry decode(String text) {
    try {
      int a = text.indexOf(' ');
      int b = text.indexOf(' ', a + 1);
      int c = text.indexOf(' ', b + 1);
      long offset = Long.parseLong(text, 0, a, 10);
      long time = Long.parseLong(text, a + 1, b, 10);
      int ownerLength = Integer.parseInt(text, b + 1, c, 10);
      String owner = ownerLength < 0 ? null : text.substring(c + 1, c + 1 + ownerLength);
      String frame = text.substring(c + 1 + Math.max(ownerLength, 0));
      return new HistoryEntry(offset, time, owner, frame);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a history entry", e);
    }
  }
}

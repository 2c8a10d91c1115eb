package io.herald.sources.files;

/** Byte-level UTF-8 boundaries, so that a chunk of a file never splits a character. */
final class Utf8 {

  private Utf8() {}

  /**
   * The length of the longest prefix of {@code bytes[0, length)} that does not end inside a
   * character.
   */
  static int completePrefix(byte[] bytes, int length) {
    int i = length - 1;
    int continuation = 0;
    while (i >= 0 && (bytes[i] & 0xC0) == 0x80 && continuation < 3) {
      i--;
      continuation++;
    }
    if (i < 0) {
      return length;
    }
    int lead = bytes[i] & 0xFF;
    int expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return continuation < expected ? i : length;
  }

  /** The first index at or after {@code from} that starts a character. */
  static int nextBoundary(byte[] bytes, int from) {
    int i = from;
    while (i < bytes.length && (bytes[i] & 0xC0) == 0x80) {
      i++;
    }
    return i;
  }
}

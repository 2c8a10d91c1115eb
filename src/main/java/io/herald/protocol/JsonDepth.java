package io.herald.protocol;

/**
 * How deeply JSON text nests, measured on the text before it is parsed, without recursion: a
 * message nested deeper than {@code limits.max-json-depth} is refused before anything (the parser,
 * schema validation, filters, re-encoding) recurses into it.
 */
public final class JsonDepth {

  private JsonDepth() {}

  /**
   * Whether {@code text} opens more than {@code max} objects or arrays inside one another (brackets
   * inside strings do not count). Text that is not JSON is measured all the same.
   */
  public static boolean exceeds(CharSequence text, int max) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > max) {
          return true;
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return false;
  }
}

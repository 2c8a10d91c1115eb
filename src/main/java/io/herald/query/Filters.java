package io.herald.query;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The original server's {@code filter_list}: query methods take {@code (filters, options)}.
 *
 * <p>Filters: a list of conditions, all of which must hold. A condition is {@code [field, op,
 * value]} (field a dotted path into the item) or {@code ["OR", [condition, ...]]}. Operators:
 * {@code = != > >= < <=}, {@code in} / {@code nin} (field value in / not in the given list), {@code
 * rin} / {@code rnin} (the given value in / not in the field's list), {@code ^} / {@code !^}
 * (starts / does not start with), {@code $} / {@code !$} (ends / does not end with), {@code ~}
 * (regular expression search). A {@code C} prefix ({@code C=}, {@code C^}, ...) compares strings
 * case-insensitively. Values of different types never match an ordering operator.
 *
 * <p>Options: {@code order_by} (field names, {@code -} prefix for descending), {@code offset},
 * {@code limit}, {@code select} (field names to keep), {@code count} (return the number of
 * matches), {@code get} (return the first match; ENOENT when there is none).
 */
public final class Filters {

  /**
   * This query's compiled {@code ~} expressions, by flags and text: compiled once per query, not
   * once per item.
   */
  private final java.util.Map<String, Pattern> patterns = new java.util.HashMap<>();

  /** How many expressions were compiled, ever (for FiltersTest). */
  static final java.util.concurrent.atomic.LongAdder COMPILED =
      new java.util.concurrent.atomic.LongAdder();

  private Filters() {}

  /**
   * Whether {@code filters} may run a client's regular expression ({@code ~}, {@code C~}): such a
   * query costs up to {@link #MAX_REGEX_STEPS_PER_QUERY} reads and belongs off the event loops.
   * Errs on the safe side (a value {@code "~"} counts too).
   */
  public static boolean usesRegex(JsonArray filters) {
    if (filters == null) {
      return false;
    }
    for (Object part : filters) {
      if ("~".equals(part) || "C~".equals(part)) {
        return true;
      }
      if (part instanceof JsonArray nested && usesRegex(nested)) {
        return true;
      }
    }
    return false;
  }

  public static Object apply(List<JsonObject> items, JsonArray filters, JsonObject options) {
    filters = filters == null ? new JsonArray() : filters;
    options = options == null ? new JsonObject() : options;
    List<JsonObject> matched = new ArrayList<>();
    Filters query = new Filters();
    for (JsonObject item : items) {
      if (query.matchesAll(item, filters, "filters")) {
        matched.add(item);
      }
    }
    JsonArray orderBy = array(options, "order_by");
    if (!orderBy.isEmpty()) {
      matched.sort(comparator(orderBy));
    }
    if (options.getBoolean("count", false)) {
      return matched.size();
    }
    int offset = integer(options, "offset");
    int limit = integer(options, "limit");
    List<JsonObject> page =
        matched.subList(
            Math.min(offset, matched.size()),
            limit > 0 ? Math.min(matched.size(), offset + limit) : matched.size());
    JsonArray select = array(options, "select");
    List<JsonObject> result = new ArrayList<>(page.size());
    for (JsonObject item : page) {
      result.add(select.isEmpty() ? item : select(item, select));
    }
    if (options.getBoolean("get", false)) {
      if (result.isEmpty()) {
        throw new CallError(Errno.ENOENT, "No matching item");
      }
      return result.get(0);
    }
    return new JsonArray(new ArrayList<>(result));
  }

  private boolean matchesAll(JsonObject item, JsonArray conditions, String where) {
    for (int i = 0; i < conditions.size(); i++) {
      if (!matches(item, conditions.getValue(i), where + "." + i)) {
        return false;
      }
    }
    return true;
  }

  private boolean matches(JsonObject item, Object condition, String where) {
    if (!(condition instanceof JsonArray c)) {
      throw invalid(where, "a filter must be a list");
    }
    if (c.size() == 2 && "OR".equals(c.getValue(0))) {
      if (!(c.getValue(1) instanceof JsonArray alternatives)) {
        throw invalid(where, "OR takes a list of filters");
      }
      for (int i = 0; i < alternatives.size(); i++) {
        if (matches(item, alternatives.getValue(i), where + ".1." + i)) {
          return true;
        }
      }
      return false;
    }
    if (c.size() != 3
        || !(c.getValue(0) instanceof String field)
        || !(c.getValue(1) instanceof String op)) {
      throw invalid(where, "a filter is [field, operator, value]");
    }
    return test(resolve(item, field), op, c.getValue(2), where);
  }

  private boolean test(Object actual, String op, Object expected, String where) {
    boolean caseless = op.length() > 1 && op.startsWith("C");
    String o = caseless ? op.substring(1) : op;
    if (caseless) {
      actual = actual instanceof String s ? s.toLowerCase() : actual;
      expected = expected instanceof String s ? s.toLowerCase() : expected;
    }
    switch (o) {
      case "=":
        return equal(actual, expected);
      case "!=":
        return !equal(actual, expected);
      case ">":
        return ordered(actual, expected) && compare(actual, expected) > 0;
      case ">=":
        return ordered(actual, expected) && compare(actual, expected) >= 0;
      case "<":
        return ordered(actual, expected) && compare(actual, expected) < 0;
      case "<=":
        return ordered(actual, expected) && compare(actual, expected) <= 0;
      case "in":
        return contains(list(expected, where), actual);
      case "nin":
        return !contains(list(expected, where), actual);
      case "rin":
        return actual instanceof JsonArray a && contains(a, expected);
      case "rnin":
        return !(actual instanceof JsonArray a && contains(a, expected));
      case "^":
        return actual instanceof String s && expected instanceof String e && s.startsWith(e);
      case "!^":
        return !(actual instanceof String s && expected instanceof String e && s.startsWith(e));
      case "$":
        return actual instanceof String s && expected instanceof String e && s.endsWith(e);
      case "!$":
        return !(actual instanceof String s && expected instanceof String e && s.endsWith(e));
      case "~":
        return actual instanceof String s && find(regex(expected, caseless, where), s, where);
      default:
        throw invalid(where, "unknown operator '" + op + "'");
    }
  }

  private static Object resolve(JsonObject item, String path) {
    Object value = item;
    for (String part : path.split("\\.")) {
      if (!(value instanceof JsonObject object)) {
        return null;
      }
      value = object.getValue(part);
    }
    return value;
  }

  private static boolean equal(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
    }
    return Objects.equals(a, b);
  }

  /** Integer.MIN_VALUE when the two are not comparable (null, or different types). */
  private static int compare(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    if (a instanceof String x && b instanceof String y) {
      return Integer.signum(x.compareTo(y));
    }
    if (a instanceof Boolean x && b instanceof Boolean y) {
      return x.compareTo(y);
    }
    return Integer.MIN_VALUE;
  }

  private static boolean ordered(Object a, Object b) {
    return compare(a, b) != Integer.MIN_VALUE;
  }

  private static boolean contains(JsonArray list, Object value) {
    for (Object candidate : list) {
      if (equal(candidate, value)) {
        return true;
      }
    }
    return false;
  }

  private static JsonArray list(Object value, String where) {
    if (value instanceof JsonArray array) {
      return array;
    }
    throw invalid(where, "this operator takes a list");
  }

  /**
   * How many characters one {@code ~} match may read: Java's engine backtracks, so a client's
   * expression such as {@code (.*a){16}$} could otherwise hold a thread for seconds on a short
   * value. Far above what a sane expression needs on a job's or alert's fields.
   */
  static final long MAX_REGEX_STEPS = 1_000_000;

  /**
   * How many characters all the {@code ~} matches of one query may read together (~tens of ms): a
   * moderately costly expression over a thousand items must not add up to seconds.
   */
  static final long MAX_REGEX_STEPS_PER_QUERY = 10_000_000;

  /** What this query's {@code ~} matches may still read. */
  private long regexSteps = MAX_REGEX_STEPS_PER_QUERY;

  /**
   * {@code pattern.matcher(value).find()}, or a VALIDATION error once it has read {@link
   * #MAX_REGEX_STEPS}, or the query's matches together {@link #MAX_REGEX_STEPS_PER_QUERY}.
   */
  private boolean find(Pattern pattern, String value, String where) {
    Budgeted budgeted = new Budgeted(value, Math.min(MAX_REGEX_STEPS, regexSteps));
    try {
      return pattern.matcher(budgeted).find();
    } catch (Budgeted.Exhausted e) {
      throw invalid(
          where, "the regular expression is too costly to evaluate (it backtracks too much)");
    } finally {
      regexSteps -= budgeted.used();
    }
  }

  /**
   * A string that can be read a bounded number of times: the regex engine reads it one character at
   * a time.
   */
  private static final class Budgeted implements CharSequence {
    private final String value;
    private final long[] budget;
    private final long initial;

    Budgeted(String value, long budget) {
      this(value, new long[] {budget}, budget);
    }

    /** Sub-sequences share their parent's budget. */
    private Budgeted(String value, long[] budget, long initial) {
      this.value = value;
      this.budget = budget;
      this.initial = initial;
    }

    long used() {
      return initial - Math.max(0, budget[0]);
    }

    @Override
    public char charAt(int index) {
      if (--budget[0] < 0) {
        throw new Exhausted();
      }
      return value.charAt(index);
    }

    @Override
    public int length() {
      return value.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Budgeted(value.substring(start, end), budget, initial);
    }

    @Override
    public String toString() {
      return value;
    }

    static final class Exhausted extends RuntimeException {
      Exhausted() {
        super(null, null, false, false);
      }
    }
  }

  private Pattern regex(Object expected, boolean caseless, String where) {
    if (!(expected instanceof String s)) {
      throw invalid(where, "~ takes a regular expression");
    }
    Pattern compiled = patterns.get((caseless ? "C" : "=") + s);
    if (compiled != null) {
      return compiled;
    }
    try {
      compiled = Pattern.compile(s, caseless ? Pattern.CASE_INSENSITIVE : 0);
    } catch (PatternSyntaxException e) {
      throw invalid(where, "invalid regular expression: " + e.getDescription());
    }
    patterns.put((caseless ? "C" : "=") + s, compiled);
    COMPILED.increment();
    return compiled;
  }

  private static Comparator<JsonObject> comparator(JsonArray orderBy) {
    Comparator<JsonObject> result = null;
    for (int i = 0; i < orderBy.size(); i++) {
      if (!(orderBy.getValue(i) instanceof String spec)) {
        throw invalid("options.order_by." + i, "order_by takes field names");
      }
      boolean descending = spec.startsWith("-");
      String field = descending ? spec.substring(1) : spec;
      Comparator<JsonObject> byField = (x, y) -> orderOf(resolve(x, field), resolve(y, field));
      byField = descending ? byField.reversed() : byField;
      result = result == null ? byField : result.thenComparing(byField);
    }
    return result;
  }

  /**
   * Nulls first, then by value; values of different types by type name, so that sorting never
   * fails.
   */
  private static int orderOf(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    int c = compare(a, b);
    return c != Integer.MIN_VALUE ? c : a.getClass().getName().compareTo(b.getClass().getName());
  }

  private static JsonObject select(JsonObject item, JsonArray fields) {
    JsonObject selected = new JsonObject();
    for (Object f : fields) {
      if (f instanceof String field && item.containsKey(field)) {
        selected.put(field, item.getValue(field));
      }
    }
    return selected;
  }

  private static JsonArray array(JsonObject options, String key) {
    Object value = options.getValue(key);
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array)) {
      throw invalid("options." + key, "must be a list");
    }
    return array;
  }

  private static int integer(JsonObject options, String key) {
    Object value = options.getValue(key);
    if (value == null) {
      return 0;
    }
    if (!(value instanceof Integer i) || i < 0) {
      throw invalid("options." + key, "must be a non-negative integer");
    }
    return i;
  }

  private static CallError invalid(String attribute, String message) {
    return new CallError(ErrorDict.validation(attribute, message));
  }
}

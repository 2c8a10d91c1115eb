package io.herald.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.CallError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FiltersTest {

  private static final List<JsonObject> JOBS =
      List.of(
          job(1, "zfs.pool.scrub", "RUNNING", 10, "vol1"),
          job(2, "chart.release.redeploy", "WAITING", null, "abc"),
          job(3, "zfs.dataset.create", "SUCCESS", 100, "Vol2"),
          job(4, "core.bulk", "FAILED", 50, "x"));

  private static JsonObject job(int id, String method, String state, Integer percent, String arg) {
    return new JsonObject()
        .put("id", id)
        .put("method", method)
        .put("state", state)
        .put("progress", new JsonObject().put("percent", percent))
        .put("arguments", new JsonArray().add(arg));
  }

  private static JsonArray f(Object field, String op, Object value) {
    return new JsonArray().add(new JsonArray().add(field).add(op).add(value));
  }

  private static List<Integer> ids(Object result) {
    return ((JsonArray) result).stream().map(o -> ((JsonObject) o).getInteger("id")).toList();
  }

  static Stream<Arguments> operators() {
    return Stream.of(
        Arguments.of(f("state", "=", "RUNNING"), List.of(1)),
        Arguments.of(f("state", "!=", "RUNNING"), List.of(2, 3, 4)),
        Arguments.of(f("id", ">", 2), List.of(3, 4)),
        Arguments.of(f("id", ">=", 2), List.of(2, 3, 4)),
        Arguments.of(f("id", "<", 2), List.of(1)),
        Arguments.of(f("id", "<=", 2), List.of(1, 2)),
        Arguments.of(f("progress.percent", ">=", 50), List.of(3, 4)),
        Arguments.of(f("progress.percent", "<", 50), List.of(1)),
        Arguments.of(f("state", "in", new JsonArray().add("WAITING").add("FAILED")), List.of(2, 4)),
        Arguments.of(
            f("state", "nin", new JsonArray().add("WAITING").add("FAILED")), List.of(1, 3)),
        Arguments.of(f("arguments", "rin", "abc"), List.of(2)),
        Arguments.of(f("arguments", "rnin", "abc"), List.of(1, 3, 4)),
        Arguments.of(f("method", "^", "zfs."), List.of(1, 3)),
        Arguments.of(f("method", "!^", "zfs."), List.of(2, 4)),
        Arguments.of(f("method", "$", ".create"), List.of(3)),
        Arguments.of(f("method", "!$", ".create"), List.of(1, 2, 4)),
        Arguments.of(f("method", "~", "pool|bulk"), List.of(1, 4)),
        Arguments.of(f("state", "C=", "running"), List.of(1)),
        Arguments.of(f("method", "C^", "ZFS."), List.of(1, 3)),
        Arguments.of(
            new JsonArray()
                .add(
                    new JsonArray()
                        .add("OR")
                        .add(
                            new JsonArray()
                                .add(new JsonArray().add("id").add("=").add(1))
                                .add(new JsonArray().add("state").add("=").add("FAILED")))),
            List.of(1, 4)),
        Arguments.of(
            new JsonArray()
                .add(new JsonArray().add("id").add(">").add(1))
                .add(new JsonArray().add("id").add("<").add(4)),
            List.of(2, 3)));
  }

  @ParameterizedTest
  @MethodSource("operators")
  void operatorSelectsTheMatchingItems(JsonArray filters, List<Integer> expected) {
    assertEquals(expected, ids(Filters.apply(JOBS, filters, null)));
  }

  @Test
  void orderByLimitOffsetSelectCountGet() {
    JsonObject byPercentDesc =
        new JsonObject().put("order_by", new JsonArray().add("-progress.percent"));
    assertEquals(List.of(3, 4, 1, 2), ids(Filters.apply(JOBS, null, byPercentDesc)));
    assertEquals(
        List.of(2, 1, 4, 3),
        ids(
            Filters.apply(
                JOBS,
                null,
                new JsonObject().put("order_by", new JsonArray().add("progress.percent")))));
    assertEquals(
        List.of(4, 1),
        ids(Filters.apply(JOBS, null, byPercentDesc.copy().put("offset", 1).put("limit", 2))));
    assertEquals(
        new JsonArray().add(new JsonObject().put("id", 1)),
        Filters.apply(
            JOBS, f("id", "=", 1), new JsonObject().put("select", new JsonArray().add("id"))));
    assertEquals(
        2, Filters.apply(JOBS, f("method", "^", "zfs."), new JsonObject().put("count", true)));
    assertEquals(
        3,
        ((JsonObject) Filters.apply(JOBS, f("id", "=", 3), new JsonObject().put("get", true)))
            .getInteger("id"));
  }

  /**
   * Regression: {@code (.*a){16}$} against 22 {@code a}s backtracks exponentially and held the job
   * engine's event loop for ~16 s. Its cost is bounded: it fails as a VALIDATION error, quickly;
   * sane expressions still match.
   */
  /**
   * Regression: the bound was per item, so an expression just under it on each of many items added
   * up to seconds. All the matches of one query now share one budget.
   */
  @Test
  void manyModeratelyCostlyMatchesAddUpToTheQuerysBudget() {
    JsonObject one = new JsonObject().put("id", 1).put("error", "a".repeat(16) + "b");
    // Alone, an item is within the bound (no match, no error).
    assertEquals(List.of(), ids(Filters.apply(List.of(one), f("error", "~", "(.*a){9}$"), null)));
    List<JsonObject> many = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      many.add(one.copy().put("id", i));
    }
    CallError e =
        assertThrows(
            CallError.class, () -> Filters.apply(many, f("error", "~", "(.*a){9}$"), null));
    assertTrue(e.error.reason().contains("too costly"), e.error.reason());
  }

  @Test
  void aCatastrophicRegularExpressionIsRefusedQuickly() {
    List<JsonObject> failed =
        List.of(new JsonObject().put("id", 1).put("error", "a".repeat(22) + "b"));
    long start = System.nanoTime();
    CallError e =
        assertThrows(
            CallError.class, () -> Filters.apply(failed, f("error", "~", "(.*a){16}$"), null));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals("EINVAL", e.error.errno().name());
    assertTrue(e.error.reason().contains("too costly"), e.error.reason());
    assertTrue(ms < 5_000, "refused after " + ms + " ms, not after seconds of backtracking");
    assertEquals(List.of(1), ids(Filters.apply(failed, f("error", "~", "^a{22}b$"), null)));
    assertEquals(List.of(), ids(Filters.apply(failed, f("error", "~", "c"), null)));
  }

  @Test
  void getWithoutMatchIsEnoent() {
    CallError e =
        assertThrows(
            CallError.class,
            () -> Filters.apply(JOBS, f("id", "=", 99), new JsonObject().put("get", true)));
    assertEquals("ENOENT", e.error.errno().name());
  }

  @Test
  void malformedFiltersAreValidationErrors() {
    for (JsonArray bad :
        List.of(
            new JsonArray().add("state"),
            new JsonArray().add(new JsonArray().add("state").add("=")),
            f("state", "===", "x"),
            f("state", "in", "not-a-list"),
            f("method", "~", "("))) {
      CallError e =
          assertThrows(CallError.class, () -> Filters.apply(JOBS, bad, null), bad.encode());
      assertEquals("VALIDATION", e.error.type(), bad.encode());
    }
    assertThrows(
        CallError.class, () -> Filters.apply(JOBS, null, new JsonObject().put("limit", -1)));
  }

  @Test
  void aRegularExpressionIsCompiledOncePerQueryNotPerItem() {
    List<JsonObject> items = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      items.add(new JsonObject().put("method", "m" + i).put("description", "D" + i));
    }
    long before = Filters.COMPILED.sum();
    Object result =
        Filters.apply(
            items,
            new JsonArray()
                .add(new JsonArray().add("method").add("~").add("^m[0-9]*7$"))
                .add(new JsonArray().add("description").add("C~").add("^d")),
            new JsonObject().put("count", true));
    assertEquals(100, result);
    assertEquals(2, Filters.COMPILED.sum() - before, "one compilation per expression");
  }
}

package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MessageDecoder#decode} on its own: every message kind, and every way a frame can be wrong.
 */
class MessageDecoderTest {

  private static ClientMessage decode(String text) {
    try {
      return MessageDecoder.decode(text);
    } catch (MessageDecoder.InvalidJson | MessageDecoder.Malformed e) {
      throw new AssertionError("expected '" + text + "' to decode, got " + e, e);
    }
  }

  // --- valid messages ---

  @Test
  void connectCarriesItsVersionAsSent() {
    assertEquals(
        new ClientMessage.Connect("1"),
        decode("{\"msg\":\"connect\",\"version\":\"1\",\"support\":[\"1\"],\"features\":[]}"));
    assertEquals(new ClientMessage.Connect(1), decode("{\"msg\":\"connect\",\"version\":1}"));
  }

  @Test
  void connectWithoutVersionDecodesWithNullVersion() {
    assertEquals(new ClientMessage.Connect(null), decode("{\"msg\":\"connect\"}"));
  }

  @Test
  void pingIdIsOptionalAndKeptAsSent() {
    assertEquals(new ClientMessage.Ping("x"), decode("{\"msg\":\"ping\",\"id\":\"x\"}"));
    assertEquals(new ClientMessage.Ping(7), decode("{\"msg\":\"ping\",\"id\":7}"));
    assertEquals(new ClientMessage.Ping(null), decode("{\"msg\":\"ping\"}"));
  }

  @Test
  void subWithStringIdAndName() {
    assertEquals(
        new ClientMessage.Sub("ad4dea8f-53a8-9a5c-1825-523e218c13ca", "*"),
        decode("{\"id\":\"ad4dea8f-53a8-9a5c-1825-523e218c13ca\",\"name\":\"*\",\"msg\":\"sub\"}"));
  }

  @Test
  void subWithNumericIdKeepsTheNumber() {
    ClientMessage.Sub sub =
        (ClientMessage.Sub) decode("{\"msg\":\"sub\",\"id\":42,\"name\":\"core.get_jobs\"}");
    assertEquals(42, sub.id());
    assertEquals("core.get_jobs", sub.name());
    ClientMessage.Sub big =
        (ClientMessage.Sub) decode("{\"msg\":\"sub\",\"id\":12345678901,\"name\":\"a.b\"}");
    assertEquals(12345678901L, big.id());
    ClientMessage.Sub decimal =
        (ClientMessage.Sub) decode("{\"msg\":\"sub\",\"id\":1.5,\"name\":\"a.b\"}");
    assertEquals(1.5, decimal.id());
  }

  @Test
  void subNameKeepsItsArgumentUnparsed() {
    assertEquals(
        new ClientMessage.Sub("s", "reporting.realtime:{\"interval\": 5}"),
        decode(
            "{\"msg\":\"sub\",\"id\":\"s\",\"name\":\"reporting.realtime:{\\\"interval\\\": 5}\"}"));
  }

  @Test
  void unsubWithStringOrNumericId() {
    assertEquals(
        new ClientMessage.Unsub("8592f7c2"), decode("{\"id\":\"8592f7c2\",\"msg\":\"unsub\"}"));
    assertEquals(new ClientMessage.Unsub(3), decode("{\"id\":3,\"msg\":\"unsub\"}"));
  }

  @Test
  void methodWithParams() {
    assertEquals(
        new ClientMessage.Method(
            "c1",
            "core.get_jobs",
            new JsonArray()
                .add(new JsonArray().add(new JsonArray().add("state").add("=").add("RUNNING")))
                .add(new JsonObject().put("limit", 1))),
        decode(
            "{\"msg\":\"method\",\"id\":\"c1\",\"method\":\"core.get_jobs\","
                + "\"params\":[[[\"state\",\"=\",\"RUNNING\"]],{\"limit\":1}]}"));
  }

  @Test
  void methodWithoutParamsHasAnEmptyList() {
    assertEquals(
        new ClientMessage.Method(5, "core.ping", new JsonArray()),
        decode("{\"msg\":\"method\",\"id\":5,\"method\":\"core.ping\"}"));
  }

  @Test
  void methodWithNullParamsHasAnEmptyList() {
    assertEquals(
        new ClientMessage.Method("m", "core.ping", new JsonArray()),
        decode("{\"msg\":\"method\",\"id\":\"m\",\"method\":\"core.ping\",\"params\":null}"));
  }

  @Test
  void unknownExtraKeysAreIgnored() {
    assertEquals(
        new ClientMessage.Ping("p"), decode("{\"msg\":\"ping\",\"id\":\"p\",\"extra\":{\"x\":1}}"));
  }

  @Test
  void surroundingWhitespaceIsAccepted() {
    assertEquals(new ClientMessage.Ping(null), decode("  \n{\"msg\":\"ping\"}\n "));
  }

  // --- not JSON at all: InvalidJson (close 1007) ---

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "",
        "   ",
        "{",
        "{\"msg\":\"ping\"",
        "{\"msg\":}",
        "not json",
        "{'msg':'ping'}",
        "{msg:\"ping\"}",
        "{\"msg\":\"ping\",}",
        "[1,2",
        "{\"msg\":\"ping\"} trailing",
        "{\"msg\":\"ping\"}{\"msg\":\"ping\"}",
        "NaN",
      })
  void textThatIsNotJsonIsInvalidJson(String text) {
    MessageDecoder.InvalidJson e =
        assertThrows(MessageDecoder.InvalidJson.class, () -> MessageDecoder.decode(text));
    assertInstanceOf(String.class, e.getMessage(), "a reason for the log");
  }

  // --- JSON, but not a valid message: Malformed (DDP error, connection stays open) ---

  static Stream<Arguments> notAnObject() {
    return Stream.of(
        Arguments.of("[]", new JsonArray()),
        Arguments.of(
            "[{\"msg\":\"ping\"}]", new JsonArray().add(new JsonObject().put("msg", "ping"))),
        Arguments.of("42", 42),
        Arguments.of("1.5", 1.5),
        Arguments.of("\"ping\"", "ping"),
        Arguments.of("true", true),
        Arguments.of("null", null));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("notAnObject")
  void jsonThatIsNotAnObjectIsMalformed(String text, Object offending) {
    MessageDecoder.Malformed e =
        assertThrows(MessageDecoder.Malformed.class, () -> MessageDecoder.decode(text));
    assertEquals("message must be a JSON object", e.getMessage());
    assertEquals(offending, e.offending);
  }

  static Stream<Arguments> malformedObjects() {
    return Stream.of(
        // msg
        Arguments.of("{}", "msg is required"),
        Arguments.of("{\"id\":\"x\"}", "msg is required"),
        Arguments.of("{\"msg\":null}", "msg is required"),
        Arguments.of("{\"msg\":1}", "msg must be a string"),
        Arguments.of("{\"msg\":true}", "msg must be a string"),
        Arguments.of("{\"msg\":[\"sub\"]}", "msg must be a string"),
        Arguments.of("{\"msg\":{\"type\":\"sub\"}}", "msg must be a string"),
        Arguments.of(
            "{\"msg\":\"subscribe\",\"id\":\"s\",\"name\":\"a.b\"}", "unknown msg 'subscribe'"),
        Arguments.of("{\"msg\":\"\"}", "unknown msg ''"),
        Arguments.of("{\"msg\":\"SUB\",\"id\":\"s\",\"name\":\"a.b\"}", "unknown msg 'SUB'"),
        // sub
        Arguments.of("{\"msg\":\"sub\",\"name\":\"a.b\"}", "id is required"),
        Arguments.of("{\"msg\":\"sub\",\"id\":null,\"name\":\"a.b\"}", "id is required"),
        Arguments.of(
            "{\"msg\":\"sub\",\"id\":{\"k\":1},\"name\":\"a.b\"}",
            "id must be a string or a number"),
        Arguments.of(
            "{\"msg\":\"sub\",\"id\":[1],\"name\":\"a.b\"}", "id must be a string or a number"),
        Arguments.of(
            "{\"msg\":\"sub\",\"id\":true,\"name\":\"a.b\"}", "id must be a string or a number"),
        Arguments.of("{\"msg\":\"sub\",\"id\":\"s\"}", "name is required"),
        Arguments.of("{\"msg\":\"sub\",\"id\":\"s\",\"name\":null}", "name is required"),
        Arguments.of("{\"msg\":\"sub\",\"id\":\"s\",\"name\":7}", "name must be a string"),
        Arguments.of("{\"msg\":\"sub\",\"id\":\"s\",\"name\":[\"a.b\"]}", "name must be a string"),
        Arguments.of("{\"msg\":\"sub\",\"id\":\"s\",\"name\":\"\"}", "name must not be empty"),
        // unsub
        Arguments.of("{\"msg\":\"unsub\"}", "id is required"),
        Arguments.of("{\"msg\":\"unsub\",\"id\":false}", "id must be a string or a number"),
        // method
        Arguments.of("{\"msg\":\"method\",\"method\":\"core.ping\"}", "id is required"),
        Arguments.of(
            "{\"msg\":\"method\",\"id\":{},\"method\":\"core.ping\"}",
            "id must be a string or a number"),
        Arguments.of("{\"msg\":\"method\",\"id\":\"m\"}", "method is required"),
        Arguments.of("{\"msg\":\"method\",\"id\":\"m\",\"method\":1}", "method must be a string"),
        Arguments.of(
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"\"}", "method must not be empty"),
        Arguments.of(
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"core.ping\",\"params\":{\"a\":1}}",
            "params must be a list"),
        Arguments.of(
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"core.ping\",\"params\":\"x\"}",
            "params must be a list"),
        Arguments.of(
            "{\"msg\":\"method\",\"id\":\"m\",\"method\":\"core.ping\",\"params\":3}",
            "params must be a list"),
        // ping: id optional, but typed when present
        Arguments.of("{\"msg\":\"ping\",\"id\":true}", "id must be a string or a number"),
        Arguments.of("{\"msg\":\"ping\",\"id\":{}}", "id must be a string or a number"));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @MethodSource("malformedObjects")
  void malformedObjectIsReportedWithReasonAndTheWholeMessage(String text, String reason) {
    MessageDecoder.Malformed e =
        assertThrows(MessageDecoder.Malformed.class, () -> MessageDecoder.decode(text));
    assertEquals(reason, e.getMessage());
    assertEquals(
        new JsonObject(text), e.offending, "offendingMessage is the whole message as parsed");
  }

  @Test
  void malformedNullHasNullOffendingMessage() {
    MessageDecoder.Malformed e =
        assertThrows(MessageDecoder.Malformed.class, () -> MessageDecoder.decode("null"));
    assertNull(e.offending);
  }
}

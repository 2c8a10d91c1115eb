package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.protocol.Schema;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypedValuesTest {

  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  @Test
  void theShapesTheOriginalsClientsDecode() {
    for (String typed :
        List.of(
            "{\"$date\": 1}",
            "{\"$date\": {\"type\": \"integer\"}}",
            "{\"$time\": \"10:00:00\"}",
            "{\"$set\": [1]}",
            "{\"$ipv4_interface\": \"10.0.0.1/24\"}",
            "{\"$ipv6_interface\": \"::1/128\"}",
            "{\"$type\": \"date\", \"$value\": \"2026-11-30\"}",
            "{\"$value\": 1, \"$type\": \"x\"}")) {
      assertTrue(TypedValues.decodedAsTyped(json(typed)), typed);
    }
    for (String plain :
        List.of(
            "{}",
            "{\"date\": 1}",
            "{\"$date\": 1, \"x\": 2}",
            "{\"$type\": \"date\"}",
            "{\"$type\": 1, \"$value\": 2, \"x\": 3}",
            "{\"$other\": 1}")) {
      assertFalse(TypedValues.decodedAsTyped(json(plain)), plain);
    }
  }

  @Test
  void onlyAnIntegerDateIsATypedValueHeraldSends() {
    assertTrue(TypedValues.isDate(TypedValues.date(1_700_000_000_123L)));
    assertTrue(TypedValues.isDate(json("{\"$date\": 5}")));
    assertFalse(TypedValues.isDate(json("{\"$date\": 1.5}")));
    assertFalse(TypedValues.isDate(json("{\"$date\": \"2026\"}")));
    assertFalse(TypedValues.isDate(json("{\"$date\": {\"type\": \"integer\"}}")));
    assertEquals(
        List.of(),
        TypedValues.mistakable(json("{\"a\": [{\"$date\": 1}], \"b\": {\"$date\": 2}}")));
    assertEquals(
        List.of("/a/1", "/b~1c", "/b~1c/$set"),
        TypedValues.mistakable(
            json(
                "{\"a\": [{\"$date\": 1}, {\"$time\": \"x\"}], \"b/c\": {\"$set\": {\"$set\": []}}}")));
    assertEquals(List.of("/"), TypedValues.mistakable(json("{\"$type\": \"t\", \"$value\": 1}")));
  }

  @Test
  void aDateSchemaIsNotADateAndValidatesExactlyDates() {
    assertEquals(List.of(), TypedValues.mistakable(TypedValues.DATE_SCHEMA));
    Schema date = Schema.of(TypedValues.DATE_SCHEMA);
    assertNull(date.check(json("{\"$date\": 1700000000000}"), "d"));
    assertNotNull(date.check(json("{\"$date\": \"today\"}"), "d"));
    assertNotNull(date.check(json("{}"), "d"));
    assertNotNull(date.check(json("{\"$date\": 1, \"extra\": 2}"), "d"));
    assertNotNull(date.check(json("{\"$datex\": 1}"), "d"));
  }

  @Test
  void aPropertiesMapOfATypedValuesShapeBecomesTheEquivalentPatternProperties() {
    JsonObject schema =
        json(
            """
        {"type": "object", "properties": {"when": {"type": "object",
          "properties": {"$date": {"type": "integer"}}, "required": ["$date"],
          "patternProperties": {"^x$": {"type": "string"}}}}}""");
    JsonObject original = schema.copy();
    JsonObject normalised = TypedValues.normaliseSchema(schema, "test schema");
    JsonObject when = normalised.getJsonObject("properties").getJsonObject("when");
    assertFalse(when.containsKey("properties"));
    assertEquals(
        json("{\"^x$\": {\"type\": \"string\"}, \"^\\\\$date$\": {\"type\": \"integer\"}}"),
        when.getJsonObject("patternProperties"));
    assertEquals(List.of(), TypedValues.mistakable(normalised));
    assertEquals(normalised, TypedValues.normaliseSchema(normalised, "again"), "idempotent");
    assertEquals(original, schema, "input untouched");

    Schema validator = Schema.of(normalised);
    assertNull(validator.check(json("{\"when\": {\"$date\": 3}}"), "v"));
    assertNotNull(validator.check(json("{\"when\": {\"$date\": \"3\"}}"), "v"));
    assertNotNull(validator.check(json("{\"when\": {}}"), "v"));
  }

  @Test
  void otherObjectsOfATypedValuesShapeAreRefusedWithTheirPlace() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TypedValues.normaliseSchema(
                    json("{\"type\": \"object\", \"const\": {\"$set\": [1]}}"),
                    "argument schema of event 'x'"));
    assertTrue(
        e.getMessage().startsWith("The argument schema of event 'x' contains at /const an object"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TypedValues.normaliseSchema(
                json("{\"$defs\": {\"$time\": {\"type\": \"string\"}}}"), "s"));
    // a date as a default value is a real date: kept
    JsonObject withDefault = json("{\"type\": \"object\", \"default\": {\"$date\": 0}}");
    assertEquals(withDefault, TypedValues.normaliseSchema(withDefault, "s"));
  }

  @Test
  void descriptorsNormaliseOrRefuseAtConstruction() {
    JsonObject dateField =
        json("{\"type\": \"object\", \"properties\": {\"$date\": {\"type\": \"integer\"}}}");
    EventDescriptor event = EventDescriptor.broadcast("x.y").returns(dateField).build();
    assertEquals(List.of(), TypedValues.mistakable(event.toJson()));
    assertEquals(
        event, EventDescriptor.fromJson(event.toJson()), "round trip through the cluster map");
    EventDescriptor source = EventDescriptor.source("x.z").accepts(dateField).build();
    assertTrue(source.accepts().containsKey("patternProperties"));
    MethodDescriptor method =
        new MethodDescriptor(
            "x.m",
            "",
            new JsonObject()
                .put("type", "array")
                .put("prefixItems", new JsonArray().add(dateField)),
            call -> Future.succeededFuture());
    assertEquals(List.of(), TypedValues.mistakable(method.params()));

    JsonObject set = json("{\"enum\": [{\"$set\": []}]}");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EventDescriptor.broadcast("x.w").returns(set).build());
    assertTrue(
        e.getMessage().contains("payload schema of event 'x.w'")
            && e.getMessage().contains("/enum/0"),
        e.getMessage());
  }
}

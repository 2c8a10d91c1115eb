package io.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code events:} list of the settings: what an entry becomes, its defaults, and the one-line
 * problem naming each faulty entry.
 */
@ExtendWith(VertxExtension.class)
class DeclaredEventsTest {

  private static final JsonObject PERCENT =
      new JsonObject()
          .put("type", "object")
          .put(
              "properties",
              new JsonObject()
                  .put("percent", new JsonObject().put("type", "integer").put("minimum", 0)))
          .put("required", new JsonArray().add("percent"));

  @Test
  void noEventsAreDeclaredByDefault() {
    assertEquals(List.of(), Settings.of(new JsonObject()).events());
    assertEquals(new JsonArray(), Settings.defaults().getJsonArray("events"));
  }

  @Test
  void anEntryBecomesABroadcastDescriptorAndItsPublishRoles() {
    Settings settings =
        Settings.of(
            events(
                new JsonObject()
                    .put("name", "backup.progress")
                    .put("description", "Progress of the backup.")
                    .put("wildcard", false)
                    .put("roles", new JsonArray().add("BACKUP_READ").add("AUTHENTICATED"))
                    .put("publish_roles", new JsonArray().add("BACKUP_WRITE"))
                    .put("schema", PERCENT)));
    assertEquals(1, settings.events().size());
    DeclaredEvent declared = settings.events().get(0);
    EventDescriptor d = declared.descriptor();
    assertEquals("backup.progress", declared.name());
    assertEquals(EventDescriptor.Kind.BROADCAST, d.kind());
    assertEquals("Progress of the backup.", d.description());
    assertFalse(d.wildcard());
    assertEquals(List.of("BACKUP_READ", "AUTHENTICATED"), d.roles());
    assertEquals(PERCENT, d.returns(), "the schema of fields is the descriptor's returns");
    assertNull(d.accepts());
    assertFalse(d.noAuthRequired());
    assertFalse(d.hidden());
    assertEquals(List.of("BACKUP_WRITE"), declared.publishRoles());
  }

  @Test
  void anEntryWithANameOnlyTakesTheDefaults() {
    DeclaredEvent declared =
        Settings.of(events(new JsonObject().put("name", "a.b"), new JsonObject().put("name", "c")))
            .events()
            .get(0);
    assertTrue(declared.descriptor().wildcard(), "wildcard defaults to true");
    assertEquals("", declared.descriptor().description());
    assertEquals(List.of(), declared.descriptor().roles(), "subscribers: FULL_ADMIN only");
    assertEquals(List.of(), declared.publishRoles(), "publishers: FULL_ADMIN only");
    assertNull(declared.descriptor().returns());
  }

  @Test
  void theOrderOfTheListIsKept() {
    assertEquals(
        List.of("z", "a", "m"),
        Settings.of(
                events(
                    new JsonObject().put("name", "z"),
                    new JsonObject().put("name", "a"),
                    new JsonObject().put("name", "m")))
            .events()
            .stream()
            .map(DeclaredEvent::name)
            .toList());
  }

  @Test
  void aFaultyEntryIsNamedByItsNameAndIndex() {
    assertEquals(
        "events[1]: 'name' is missing",
        problem(events(new JsonObject().put("name", "ok"), new JsonObject().put("roles", list()))));
    assertEquals(
        "event 'a.b' (events[0]): 'wildcard' \"yes\" is not a boolean (true or false)",
        problem(events(new JsonObject().put("name", "a.b").put("wildcard", "yes"))));
    assertEquals(
        "event 'a.b' (events[0]): unknown key 'publish-roles'",
        problem(events(new JsonObject().put("name", "a.b").put("publish-roles", list("X")))));
    assertEquals(
        "event 'a.b' (events[0]): 'publish_roles[1]' \"admin\" does not match the pattern"
            + " ^[A-Z][A-Z0-9_]*$",
        problem(
            events(new JsonObject().put("name", "a.b").put("publish_roles", list("OK", "admin")))));
    assertEquals(
        "event 'a.b' (events[0]): 'roles' \"FULL_ADMIN\" is not a list (a list is given in a config"
            + " file: environment variables and -D properties cannot express one)",
        problem(events(new JsonObject().put("name", "a.b").put("roles", "FULL_ADMIN"))));
    assertEquals(
        "event 'a b' (events[0]): 'name' \"a b\" does not match the pattern"
            + " ^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$",
        problem(events(new JsonObject().put("name", "a b"))));
    assertEquals(
        "event 'a.b' (events[0]): 'schema' 5 is not a map",
        problem(events(new JsonObject().put("name", "a.b").put("schema", 5))));
    assertEquals("events[0]: \"a.b\" is not a map", problem(eventsOf(new JsonArray().add("a.b"))));
    assertEquals(
        "setting 'events': {\"name\":\"a.b\"} is not a list (a list is given in a config file:"
            + " environment variables and -D properties cannot express one)",
        problem(new JsonObject().put("events", new JsonObject().put("name", "a.b"))));
  }

  @Test
  void aNameIsDeclaredOnce() {
    assertEquals(
        "event 'a.b' (events[2]): declared twice (also events[0])",
        problem(
            events(
                new JsonObject().put("name", "a.b"),
                new JsonObject().put("name", "c"),
                new JsonObject().put("name", "a.b").put("wildcard", false))));
  }

  @Test
  void theSchemaMustBeAJsonSchema() {
    assertEquals(
        "event 'a.b' (events[0]): 'schema' is not a valid JSON Schema 2020-12: at /type: Instance"
            + " does not match any of [\"array\",\"boolean\",\"integer\",\"null\",\"number\","
            + "\"object\",\"string\"]",
        problem(
            events(
                new JsonObject()
                    .put("name", "a.b")
                    .put("schema", new JsonObject().put("type", "objet")))));
    assertEquals(
        "event 'a.b' (events[0]): 'schema' is not a valid JSON Schema 2020-12: at"
            + " /properties/percent/minimum: Instance type string is invalid. Expected number",
        problem(
            events(
                new JsonObject()
                    .put("name", "a.b")
                    .put(
                        "schema",
                        new JsonObject()
                            .put(
                                "properties",
                                new JsonObject()
                                    .put("percent", new JsonObject().put("minimum", "0")))))));
  }

  @Test
  void everyFaultyEntryIsReportedOnOneLine() {
    String message =
        problem(
            events(
                new JsonObject().put("name", "a").put("wildcard", 1),
                new JsonObject().put("name", "b"),
                new JsonObject().put("name", "c").put("colour", "red")));
    assertEquals(
        "event 'a' (events[0]): 'wildcard' 1 is not a boolean (true or false); "
            + "event 'c' (events[2]): unknown key 'colour'",
        message);
  }

  @Test
  void aConfigFileDeclaresEvents(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file = dir.resolve("herald.yaml");
    Files.writeString(
        file,
        """
        events:
          - name: backup.progress
            description: "Progress of the backup."
            roles: [BACKUP_READ]
            publish_roles: [BACKUP_WRITE]
            schema:
              type: object
              properties:
                percent: {type: integer, minimum: 0, maximum: 100}
              required: [percent]
          - name: deploy.done
            wildcard: false
        """);
    Settings settings =
        ConfigLoader.load(vertx, Map.of("HERALD_CONFIG", file.toString()), new Properties())
            .await();
    assertEquals(
        List.of("backup.progress", "deploy.done"),
        settings.events().stream().map(DeclaredEvent::name).toList());
    DeclaredEvent backup = settings.events().get(0);
    assertEquals(List.of("BACKUP_READ"), backup.descriptor().roles());
    assertEquals(List.of("BACKUP_WRITE"), backup.publishRoles());
    assertEquals(
        List.of("percent"), backup.descriptor().returns().getJsonArray("required").getList());
    assertFalse(settings.events().get(1).descriptor().wildcard());
  }

  @Test
  void aFaultyEntryOfAFileNamesTheFile(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file = dir.resolve("herald.yaml");
    Files.writeString(
        file,
        """
        events:
          - name: backup.progress
            publish_roles: BACKUP_WRITE
        """);
    assertEquals(
        "event 'backup.progress' (events[0], "
            + file
            + "): 'publish_roles' \"BACKUP_WRITE\" is not a list (a list is given in a config"
            + " file: environment variables and -D properties cannot express one)",
        assertThrows(
                SettingsException.class,
                () ->
                    ConfigLoader.load(
                            vertx, Map.of("HERALD_CONFIG", file.toString()), new Properties())
                        .await())
            .getMessage());
  }

  @Test
  void environmentVariablesCannotDeclareEvents(Vertx vertx) {
    assertEquals(
        "setting 'events' (HERALD_EVENTS): \"[{name: a}]\" is not a list (a list is given in a"
            + " config file: environment variables and -D properties cannot express one)",
        assertThrows(
                SettingsException.class,
                () ->
                    ConfigLoader.load(
                            vertx, Map.of("HERALD_EVENTS", "[{name: a}]"), new Properties())
                        .await())
            .getMessage());
  }

  @Test
  void maxPublishBytesIsASetting() {
    assertEquals(1048576, Settings.of(new JsonObject()).maxPublishBytes());
    assertEquals(
        "setting 'http.max-publish-bytes': 0 is below the minimum 1",
        problem(new JsonObject().put("http", new JsonObject().put("max-publish-bytes", 0))));
  }

  private static JsonObject events(JsonObject... entries) {
    return eventsOf(new JsonArray(List.of((Object[]) entries)));
  }

  private static JsonObject eventsOf(JsonArray entries) {
    return new JsonObject().put("events", entries);
  }

  private static JsonArray list(String... items) {
    return new JsonArray(List.of((Object[]) items));
  }

  private static String problem(JsonObject overrides) {
    return assertThrows(SettingsException.class, () -> Settings.of(overrides)).getMessage();
  }
}

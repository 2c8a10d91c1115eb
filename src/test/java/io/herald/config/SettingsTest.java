package io.herald.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The packaged defaults, the schema, and {@link Settings#of}'s validation and its messages. */
class SettingsTest {

  private static final SettingsSchema SCHEMA = SettingsSchema.PACKAGED;

  /** Hole of issue 10: /var/log was a default root, so any client could follow the host's logs. */
  @Test
  void theDefaultFileRootIsTheNodesOwnLogDirectoryOnly() {
    assertEquals(
        List.of(java.nio.file.Path.of("data", "logs")), Settings.of(new JsonObject()).filesRoots());
  }

  @Test
  void packagedDefaultsAreTheTopLevelConfFile() throws Exception {
    try (InputStream packaged =
        getClass().getClassLoader().getResourceAsStream(Settings.DEFAULTS_RESOURCE)) {
      assertNotNull(packaged, "the build packages " + Settings.DEFAULTS_RESOURCE);
      assertArrayEquals(
          Files.readAllBytes(Path.of(ConfigLoader.DEFAULT_FILE)),
          packaged.readAllBytes(),
          "the packaged defaults are conf/herald.yaml as it is");
    }
    assertEquals(Settings.defaults(), Settings.of(new JsonObject()).toJson());
  }

  @Test
  void schemaAndConfFileListTheSameKeys() {
    Set<String> inYaml = Settings.flatten(Settings.defaults()).keySet();
    Set<String> inSchema = SCHEMA.types().keySet();
    Set<String> onlyInYaml = new HashSet<>(inYaml);
    onlyInYaml.removeAll(inSchema);
    Set<String> onlyInSchema = new HashSet<>(inSchema);
    onlyInSchema.removeAll(inYaml);
    assertEquals(Set.of(), onlyInYaml, "keys of conf/herald.yaml missing from the schema");
    assertEquals(Set.of(), onlyInSchema, "keys of the schema missing from conf/herald.yaml");
  }

  @Test
  void defaultsAreValidAndOfTheirDeclaredType() {
    assertEquals(List.of(), SCHEMA.problems(Settings.defaults(), key -> null));
    Settings.flatten(Settings.defaults())
        .forEach(
            (key, value) -> {
              Class<?> expected =
                  switch (SCHEMA.types().get(key)) {
                    case "integer" -> Integer.class;
                    case "boolean" -> Boolean.class;
                    case "array" -> io.vertx.core.json.JsonArray.class;
                    default -> String.class;
                  };
              assertEquals(expected, value.getClass(), key);
            });
  }

  @Test
  void everyIntegerHasABoundedRange() {
    JsonObject schema = new JsonObject(Resources.read(SettingsSchema.RESOURCE));
    SCHEMA
        .types()
        .forEach(
            (key, type) -> {
              if (type.equals("integer")) {
                JsonObject leaf = leaf(schema, key);
                assertTrue(leaf.getInteger("minimum") >= 0, key + " has a minimum of 0 or more");
                assertTrue(
                    leaf.getInteger("maximum") <= Integer.MAX_VALUE,
                    key + " has a maximum within a Java int");
                if (key.endsWith("port")) {
                  assertTrue(
                      leaf.getInteger("maximum") == 65535, key + " is a port: at most 65535");
                }
              }
            });
  }

  @Test
  void readmeTableNamesVariablesAndPropertiesByTheRule() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    Map<String, String> rows = new TreeMap<>();
    Matcher row =
        Pattern.compile("^\\| `(HERALD_[A-Z_]+)` \\| `herald\\.([a-z.-]+)` \\|", Pattern.MULTILINE)
            .matcher(readme);
    while (row.find()) {
      rows.put(row.group(2), row.group(1));
    }
    row =
        Pattern.compile("^\\| `([a-z.-]+)` \\| `(HERALD_[A-Z_]+)` \\|", Pattern.MULTILINE)
            .matcher(readme);
    while (row.find()) {
      rows.put(row.group(1), row.group(2));
    }
    rows.remove("config");
    assertFalse(rows.isEmpty(), "README's configuration table");
    rows.forEach(
        (key, variable) -> {
          assertTrue(SCHEMA.types().containsKey(key), "README names a setting " + key);
          assertEquals(variable, SettingsLayer.envName(key), "README's variable for " + key);
        });
    Set<String> names = new HashSet<>();
    SCHEMA
        .types()
        .keySet()
        .forEach(key -> assertTrue(names.add(SettingsLayer.envName(key)), "one variable per key"));
  }

  @Test
  void overridesApplyOverThePackagedDefaults() {
    Settings settings =
        Settings.of(
            new JsonObject()
                .put("ws", new JsonObject().put("idle-timeout-ms", 500).put("compression", true))
                .put(
                    "alerts",
                    new JsonObject().put("memory", new JsonObject().put("warning", 101))));
    assertEquals(500, settings.idleTimeoutMs());
    assertTrue(settings.compression());
    assertEquals(101, settings.alertsThreshold("memory", "warning"));
    JsonObject defaults = Settings.defaults();
    assertEquals(
        defaults.getJsonObject("ws").getInteger("ping-interval-ms"),
        (int) settings.pingIntervalMs());
    assertEquals(
        defaults.getJsonObject("alerts").getJsonObject("memory").getInteger("critical"),
        settings.alertsThreshold("memory", "critical"));
  }

  @Test
  void unknownKeyIsNamed() {
    assertEquals(
        "unknown setting 'ws.idle-timout-ms'",
        problem(new JsonObject().put("ws", new JsonObject().put("idle-timout-ms", 5))));
    assertEquals(
        "unknown setting 'htp.port'",
        problem(new JsonObject().put("htp", new JsonObject().put("port", 1))));
  }

  @Test
  void wrongTypeNamesKeyValueAndType() {
    assertEquals(
        "setting 'http.port': \"eighty\" is not an integer",
        problem(section("http", "port", "eighty")));
    assertEquals(
        "setting 'http.port': 80.5 is not an integer", problem(section("http", "port", 80.5)));
    assertEquals(
        "setting 'ws.compression': \"yes\" is not a boolean (true or false)",
        problem(section("ws", "compression", "yes")));
    assertEquals(
        "setting 'cluster.name': 7 is not a string", problem(section("cluster", "name", 7)));
    assertEquals(
        "setting 'http': 5 is not a section (a map of settings)",
        problem(new JsonObject().put("http", 5)));
  }

  @Test
  void outOfRangeNamesTheLimit() {
    assertEquals(
        "setting 'http.port': 70000 is above the maximum 65535",
        problem(section("http", "port", 70000)));
    assertEquals(
        "setting 'ws.ping-interval-ms': 0 is below the minimum 1",
        problem(section("ws", "ping-interval-ms", 0)));
    assertEquals(
        "setting 'ws.path': \"websocket\" does not match the pattern ^/",
        problem(section("ws", "path", "websocket")));
    assertEquals(
        "setting 'data.dir': \"\" is shorter than 1 character",
        problem(section("data", "dir", "")));
  }

  @Test
  void everyProblemIsReportedOnOneLine() {
    String message =
        problem(
            new JsonObject()
                .put("http", new JsonObject().put("port", -1).put("instances", 0))
                .put("bogus", true));
    assertEquals(
        "setting 'http.instances': 0 is below the minimum 1; setting 'http.port': -1 is below the minimum 0; "
            + "unknown setting 'bogus'",
        message);
  }

  @Test
  void aTlsFileWithoutItsPartnerIsOneProblemPerFileGiven() {
    assertEquals(
        "setting 'http.tls.cert' is set without 'http.tls.key': give both, or none",
        problem(new JsonObject().put("http", tls("cert", "/etc/herald/cert.pem"))));
    assertEquals(
        "setting 'http.tls.key' is set without 'http.tls.cert': give both, or none",
        problem(new JsonObject().put("http", tls("key", "/etc/herald/key.pem"))));
    assertEquals(
        "setting 'cluster.bus-tls.trust' is set without 'cluster.bus-tls.cert', "
            + "'cluster.bus-tls.key': give all three, or none",
        problem(
            new JsonObject()
                .put(
                    "cluster",
                    new JsonObject()
                        .put("bus-tls", new JsonObject().put("trust", "/etc/herald/ca.pem")))));
  }

  @Test
  void tlsPairsGivenWholeAreValid() {
    Settings settings =
        Settings.of(
            new JsonObject()
                .put(
                    "http",
                    new JsonObject()
                        .put(
                            "tls",
                            new JsonObject()
                                .put("cert", "c.pem")
                                .put("key", "k.pem")
                                .put("redirect-port", 8081)))
                .put(
                    "cluster",
                    new JsonObject()
                        .put(
                            "bus-tls",
                            new JsonObject()
                                .put("cert", "n.pem")
                                .put("key", "nk.pem")
                                .put("trust", "ca.pem"))));
    assertTrue(settings.httpTls());
    assertEquals("c.pem", settings.httpTlsCert());
    assertEquals("k.pem", settings.httpTlsKey());
    assertEquals(8081, settings.httpTlsRedirectPort());
    assertTrue(settings.busTls());
    assertEquals("ca.pem", settings.busTlsTrust());
    Settings plain = Settings.of(new JsonObject());
    assertFalse(plain.httpTls());
    assertFalse(plain.busTls());
    assertEquals("127.0.0.1", plain.httpHost(), "a node is reachable from other hosts when told");
    assertEquals(60_000, plain.httpTlsReloadIntervalMs());
  }

  @Test
  void aRedirectNeedsHttpsOnAnotherPort() {
    assertEquals(
        "setting 'http.tls.redirect-port': 8081 needs 'http.tls.cert' and 'http.tls.key'"
            + " (it redirects to https)",
        problem(new JsonObject().put("http", tls("redirect-port", 8081))));
    assertEquals(
        "setting 'http.tls.redirect-port': 8080 is the https port 'http.port' itself",
        problem(
            new JsonObject()
                .put(
                    "http",
                    new JsonObject()
                        .put("port", 8080)
                        .put(
                            "tls",
                            new JsonObject()
                                .put("cert", "c.pem")
                                .put("key", "k.pem")
                                .put("redirect-port", 8080)))));
  }

  private static JsonObject tls(String key, Object value) {
    return new JsonObject().put("tls", new JsonObject().put(key, value));
  }

  private static String problem(JsonObject overrides) {
    return assertThrows(SettingsException.class, () -> Settings.of(overrides)).getMessage();
  }

  private static JsonObject section(String section, String key, Object value) {
    return new JsonObject().put(section, new JsonObject().put(key, value));
  }

  private static JsonObject leaf(JsonObject schema, String key) {
    JsonObject node = schema;
    for (String part : key.split("\\.")) {
      node = node.getJsonObject("properties").getJsonObject(part);
    }
    return node;
  }
}

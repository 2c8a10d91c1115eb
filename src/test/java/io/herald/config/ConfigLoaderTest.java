package io.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four layers (packaged defaults, file, environment, system properties), their naming and their
 * errors.
 */
@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  @Test
  void laterLayersWinKeyByKey(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file =
        yaml(
            dir,
            """
        http:
          port: 9000
          host: "10.0.0.1"
        ws:
          compression: true
        data:
          dir: /from/file
        """);
    Settings settings =
        ConfigLoader.load(
                vertx,
                Map.of(
                    "HERALD_CONFIG",
                    file.toString(),
                    "HERALD_HTTP_PORT",
                    "9001",
                    "HERALD_DATA_DIR",
                    "/from/env"),
                props("herald.http.port", "9002"))
            .await();
    assertEquals(9002, settings.httpPort(), "system property over environment over file");
    assertEquals("/from/env", settings.dataDir(), "environment over file");
    assertEquals("10.0.0.1", settings.httpHost(), "file over packaged default");
    assertTrue(settings.compression(), "file over packaged default");
    assertEquals(
        Settings.defaults().getJsonObject("limits").getInteger("max-subscriptions"),
        settings.maxSubscriptions(),
        "packaged default where no layer sets the key");
  }

  @Test
  void variablesAndPropertiesAreNamedAfterTheKeyAndCoerced(@TempDir Path dir, Vertx vertx)
      throws Exception {
    Settings settings =
        ConfigLoader.load(
                vertx,
                Map.of(
                    "HERALD_CONFIG", yaml(dir, "").toString(),
                    "HERALD_WS_IDLE_TIMEOUT_MS", " 1234 ",
                    "HERALD_ALERTS_MEMORY_WARNING", "93",
                    "HERALD_CLUSTER_ENABLED", "FALSE",
                    "HERALD_CLUSTER_MEMBERS", "",
                    "HERALD_JAVA_OPTS", "-Xmx1g",
                    "HERALD_TEST_TICK_MS", "not a setting"),
                props(
                    "herald.cluster.bus-port",
                    "5801",
                    "herald.ws.compression",
                    "true",
                    "herald.verticles",
                    "a.B, c.D"))
            .await();
    assertEquals(1234, settings.idleTimeoutMs());
    assertEquals(93, settings.alertsThreshold("memory", "warning"));
    assertFalse(settings.clustered());
    assertEquals("", settings.clusterMembers());
    assertEquals(5801, settings.clusterBusPort());
    assertTrue(settings.compression());
    assertEquals(java.util.List.of("a.B", "c.D"), settings.verticles());
  }

  @Test
  void defaultFileIsReadWhenPresent(Vertx vertx) throws Exception {
    // The tests run in the project directory, whose conf/herald.yaml is the packaged file itself.
    assertTrue(Files.isRegularFile(Path.of(ConfigLoader.DEFAULT_FILE)));
    assertEquals(
        Settings.defaults(), ConfigLoader.load(vertx, Map.of(), new Properties()).await().toJson());
  }

  @Test
  void textThatIsNotOfTheTypeIsNamedWithItsVariable(Vertx vertx) {
    assertEquals(
        "setting 'ws.idle-timeout-ms' (HERALD_WS_IDLE_TIMEOUT_MS): \"abc\" is not an integer",
        failure(vertx, Map.of("HERALD_WS_IDLE_TIMEOUT_MS", "abc"), new Properties()));
    assertEquals(
        "setting 'ws.compression' (-Dherald.ws.compression): \"yes\" is not a boolean (true or false)",
        failure(vertx, Map.of(), props("herald.ws.compression", "yes")));
    assertEquals(
        "setting 'http.port' (HERALD_HTTP_PORT): 70000 is above the maximum 65535",
        failure(vertx, Map.of("HERALD_HTTP_PORT", "70000"), new Properties()));
  }

  @Test
  void unknownPropertyIsAnUnknownSetting(Vertx vertx) {
    assertEquals(
        "unknown setting 'ws.idle-timout-ms' (-Dherald.ws.idle-timout-ms)",
        failure(vertx, Map.of(), props("herald.ws.idle-timout-ms", "5")));
  }

  @Test
  void problemsInTheFileNameTheFile(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file =
        yaml(
            dir,
            """
        http:
          port: 70000
        ws:
          idle-timout-ms: 5
        """);
    assertEquals(
        "setting 'http.port' ("
            + file
            + "): 70000 is above the maximum 65535; "
            + "unknown setting 'ws.idle-timout-ms' ("
            + file
            + ")",
        failure(vertx, Map.of("HERALD_CONFIG", file.toString()), new Properties()));
  }

  @Test
  void namedFileThatDoesNotExistIsAnError(Vertx vertx) {
    assertEquals(
        "config file not found: /nonexistent/herald.yaml (HERALD_CONFIG)",
        failure(vertx, Map.of("HERALD_CONFIG", "/nonexistent/herald.yaml"), new Properties()));
    assertEquals(
        "config file not found: /nonexistent/other.yaml (-Dherald.config)",
        failure(
            vertx,
            Map.of("HERALD_CONFIG", "/nonexistent/herald.yaml"),
            props("herald.config", "/nonexistent/other.yaml")));
  }

  @Test
  void propertyNamesTheFileBeforeTheVariable(@TempDir Path dir, Vertx vertx) throws Exception {
    Path fromEnv = yaml(dir.resolve("env.yaml"), "http:\n  port: 1111\n");
    Path fromProperty = yaml(dir.resolve("prop.yaml"), "http:\n  port: 2222\n");
    assertEquals(
        2222,
        ConfigLoader.load(
                vertx,
                Map.of("HERALD_CONFIG", fromEnv.toString()),
                props("herald.config", fromProperty.toString()))
            .await()
            .httpPort());
  }

  @Test
  void malformedYamlIsOneLineNamingTheFile(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file = yaml(dir, "http:\n  port: 8080: 9\n");
    String message = failure(vertx, Map.of("HERALD_CONFIG", file.toString()), new Properties());
    assertTrue(message.startsWith("config file " + file + ": "), message);
    assertFalse(message.contains("\n"), message);
  }

  private static String failure(Vertx vertx, Map<String, String> env, Properties props) {
    return assertThrows(SettingsException.class, () -> ConfigLoader.load(vertx, env, props).await())
        .getMessage();
  }

  private static Properties props(String... namesAndValues) {
    Properties props = new Properties();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      props.setProperty(namesAndValues[i], namesAndValues[i + 1]);
    }
    return props;
  }

  private static Path yaml(Path dirOrFile, String text) throws Exception {
    Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("herald.yaml") : dirOrFile;
    Files.writeString(file, text);
    return file;
  }
}

package io.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class SettingsTest {

  @Test
  void confFileListsEverySettingWithItsDefault(Vertx vertx) throws Exception {
    Settings fromFile = ConfigLoader.load(vertx, Map.of(), new Properties()).await();
    assertEquals(Settings.flatten(Settings.DEFAULTS), Settings.flatten(fromFile.toJson()),
        "conf/herald.yaml must list every setting with its built-in default");
    String yaml = Files.readString(Path.of(ConfigLoader.DEFAULT_FILE));
    for (String key : Settings.flatten(Settings.DEFAULTS).keySet()) {
      String leaf = key.substring(key.lastIndexOf('.') + 1);
      assertEquals(true, yaml.contains(leaf + ":"), "conf/herald.yaml documents " + key);
    }
  }

  @Test
  void environmentOverridesFileAndSystemPropertyOverridesEnvironment(@TempDir Path dir, Vertx vertx) throws Exception {
    Path file = dir.resolve("herald.yaml");
    Files.writeString(file, "http:\n  port: 9000\nws:\n  compression: true\ndata:\n  dir: /from/file\n");
    Properties props = new Properties();
    props.put("herald.http.port", "9002");
    Settings settings = ConfigLoader.load(vertx,
        Map.of("HERALD_CONFIG", file.toString(), "HERALD_HTTP_PORT", "9001", "HERALD_DATA_DIR", "/from/env",
            "HERALD_WS_IDLE_TIMEOUT_MS", "1234"), props).await();
    assertEquals(9002, settings.httpPort());
    assertEquals("/from/env", settings.dataDir());
    assertEquals(true, settings.compression());
    assertEquals(1234, settings.idleTimeoutMs());
  }

  @Test
  void unknownKeysAndBadValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Settings.of(new JsonObject().put("htp", new JsonObject().put("port", 1))));
    assertThrows(IllegalArgumentException.class,
        () -> Settings.of(new JsonObject().put("http", new JsonObject().put("port", "eighty"))));
  }

  @Test
  void missingExplicitConfigFileFails(Vertx vertx) {
    assertThrows(Exception.class, () -> ConfigLoader.load(vertx,
        Map.of("HERALD_CONFIG", "/nonexistent/herald.yaml"), new Properties()).await());
  }
}

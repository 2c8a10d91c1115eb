package io.herald.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The configuration's resources in the jar, read at class initialisation (a missing one fails it).
 */
final class Resources {

  private Resources() {}

  /** A UTF-8 text resource of the classpath. */
  static String read(String path) {
    try (InputStream in = Resources.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("resource missing from the classpath: " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + path, e);
    }
  }

  /**
   * A YAML resource whose top level is a map, as JSON: nested maps become {@link JsonObject}s,
   * scalars stay as SnakeYAML reads them (as vertx-config's {@code yaml} format does for the user's
   * file).
   */
  static JsonObject yaml(String path) {
    Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(read(path));
    if (!(document instanceof Map<?, ?> map)) {
      throw new IllegalStateException("resource " + path + " is not a YAML map");
    }
    return json(map);
  }

  private static JsonObject json(Map<?, ?> map) {
    JsonObject json = new JsonObject();
    map.forEach(
        (key, value) ->
            json.put(
                String.valueOf(key), value instanceof Map<?, ?> nested ? json(nested) : value));
    return json;
  }
}

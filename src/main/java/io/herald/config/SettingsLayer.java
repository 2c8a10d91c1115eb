package io.herald.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings given as text, by the environment or by system properties: their values as nested JSON,
 * each coerced to its key's declared type, and where each key's value came from (the variable or
 * property name, for errors).
 */
record SettingsLayer(JsonObject values, Map<String, String> origins) {

  /** The environment variable naming the config file. */
  static final String CONFIG_ENV = "HERALD_CONFIG";

  /** The system property naming the config file. */
  static final String CONFIG_PROPERTY = "herald.config";

  private static final String PROPERTY_PREFIX = "herald.";

  /**
   * The environment variable of a setting: {@code HERALD_} + the key upper-cased with {@code .} and
   * {@code -} as {@code _} ({@code ws.idle-timeout-ms} → {@code HERALD_WS_IDLE_TIMEOUT_MS}).
   */
  static String envName(String key) {
    return "HERALD_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The system property of a setting: {@code herald.} + the key. */
  static String propertyName(String key) {
    return PROPERTY_PREFIX + key;
  }

  /**
   * The variables of {@code env} named after a setting of {@code schema}. Other variables, {@code
   * HERALD_*} ones included ({@code HERALD_CONFIG}, {@code HERALD_JAVA_OPTS}, ...), are not
   * settings and are ignored: the naming rule cannot be reversed, so a misspelt variable goes
   * unnoticed.
   */
  static SettingsLayer environment(Map<String, String> env, SettingsSchema schema) {
    SettingsLayer layer = new SettingsLayer(new JsonObject(), new TreeMap<>());
    for (String key : schema.types().keySet()) {
      String name = envName(key);
      String value = env.get(name);
      if (value != null) {
        layer.put(key, schema.coerce(key, value), name);
      }
    }
    return layer;
  }

  /**
   * Every {@code herald.<key>} property of {@code props} but {@value #CONFIG_PROPERTY}. Known keys
   * are coerced; unknown ones are kept as text, so that validation reports them as unknown
   * settings.
   */
  static SettingsLayer systemProperties(Map<Object, Object> props, SettingsSchema schema) {
    SettingsLayer layer = new SettingsLayer(new JsonObject(), new TreeMap<>());
    Map<String, String> named = new TreeMap<>();
    props.forEach((name, value) -> named.put(name.toString(), String.valueOf(value)));
    named.forEach(
        (name, value) -> {
          if (name.startsWith(PROPERTY_PREFIX) && !name.equals(CONFIG_PROPERTY)) {
            String key = name.substring(PROPERTY_PREFIX.length());
            layer.put(
                key,
                schema.types().containsKey(key) ? schema.coerce(key, value) : value,
                "-D" + name);
          }
        });
    return layer;
  }

  private void put(String dottedKey, Object value, String origin) {
    Settings.put(values, dottedKey, value);
    origins.put(dottedKey, origin);
  }
}

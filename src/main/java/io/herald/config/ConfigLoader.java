package io.herald.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the node's settings with vertx-config, one store per layer, later wins:
 *
 * <ol>
 *   <li>the packaged defaults ({@code conf/herald.yaml} as the jar carries it, see {@link
 *       Settings});
 *   <li>the config file named by {@code -Dherald.config} or else {@code HERALD_CONFIG}; unnamed,
 *       the working directory's {@code conf/herald.yaml} when it exists. A named file that does not
 *       exist is an error;
 *   <li>environment variables: {@code HERALD_} + the key upper-cased with {@code .} and {@code -}
 *       as {@code _} ({@code HERALD_WS_IDLE_TIMEOUT_MS} → {@code ws.idle-timeout-ms});
 *   <li>system properties {@code -Dherald.<key>}.
 * </ol>
 *
 * Environment and property values are text, coerced to the type the schema declares for their key.
 * The merged result is validated against the schema: the future fails with a {@link
 * SettingsException} naming every faulty key and where its value came from. The file is looked up
 * and read off the event loop.
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/herald.yaml";

  private ConfigLoader() {}

  public static Future<Settings> load(
      Vertx vertx, Map<String, String> env, Map<Object, Object> props) {
    Object property = props.get(SettingsLayer.CONFIG_PROPERTY);
    String named = property != null ? property.toString() : env.get(SettingsLayer.CONFIG_ENV);
    String namedBy =
        property != null ? "-D" + SettingsLayer.CONFIG_PROPERTY : SettingsLayer.CONFIG_ENV;
    String path = named != null ? named : DEFAULT_FILE;
    SettingsLayer environment = SettingsLayer.environment(env, SettingsSchema.PACKAGED);
    SettingsLayer properties = SettingsLayer.systemProperties(props, SettingsSchema.PACKAGED);
    return vertx
        .executeBlocking(() -> new File(path).isFile())
        .compose(
            exists -> {
              if (!exists && named != null) {
                return Future.failedFuture(
                    new SettingsException("config file not found: " + path + " (" + namedBy + ")"));
              }
              return retrieve(vertx, exists ? path : null, environment, properties);
            });
  }

  private static Future<Settings> retrieve(
      Vertx vertx, String file, SettingsLayer env, SettingsLayer props) {
    ConfigRetrieverOptions options =
        new ConfigRetrieverOptions().setScanPeriod(0).addStore(json(Settings.defaults()));
    if (file != null) {
      options.addStore(
          new ConfigStoreOptions()
              .setType("file")
              .setFormat("yaml")
              .setConfig(new JsonObject().put("path", file)));
    }
    options.addStore(json(env.values())).addStore(json(props.values()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever
        .getConfig()
        .recover(
            e ->
                Future.failedFuture(
                    new SettingsException(
                        (file == null ? "" : "config file " + file + ": ") + oneLine(e))))
        .map(merged -> Settings.validated(merged, origin(file, env, props)))
        .onComplete(ar -> retriever.close());
  }

  private static ConfigStoreOptions json(JsonObject values) {
    return new ConfigStoreOptions().setType("json").setConfig(values);
  }

  /**
   * Where a key's value came from: the property or variable that set it, else the file. (A key no
   * layer above the defaults set cannot be faulty: the packaged defaults are valid, SettingsTest
   * checks them.)
   */
  private static Function<String, String> origin(
      String file, SettingsLayer env, SettingsLayer props) {
    return key -> {
      String from = props.origins().get(key);
      if (from == null) {
        from = env.origins().get(key);
      }
      return from != null ? from : file;
    };
  }

  /** The messages of a failure and its causes on one line (YAML parse errors span several). */
  private static String oneLine(Throwable failure) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = failure; t != null && messages.size() < 5; t = t.getCause()) {
      String message =
          t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (!messages.contains(message)) {
        messages.add(message);
      }
    }
    return String.join(": ", messages).replaceAll("\\s+", " ");
  }
}

package io.herald.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.util.Map;

/**
 * Reads the node's settings: the YAML file named by {@code HERALD_CONFIG} / {@code -Dherald.config} (default
 * {@code conf/herald.yaml}, skipped when absent), then environment variables, then system properties.
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/herald.yaml";

  private ConfigLoader() {
  }

  public static Future<Settings> load(Vertx vertx, Map<String, String> env, Map<Object, Object> props) {
    String explicit = props.containsKey("herald.config") ? props.get("herald.config").toString() : env.get("HERALD_CONFIG");
    String path = explicit != null ? explicit : DEFAULT_FILE;
    JsonObject overrides = Settings.overridesFrom(env, props);
    if (explicit == null && !new File(path).isFile()) {
      return Future.succeededFuture(Settings.of(overrides));
    }
    if (!new File(path).isFile()) {
      return Future.failedFuture(new IllegalArgumentException("config file not found: " + path));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .addStore(new ConfigStoreOptions().setType("file").setFormat("yaml")
            .setConfig(new JsonObject().put("path", path))));
    return retriever.getConfig()
        .map(file -> Settings.of(file.mergeIn(overrides, true)))
        .onComplete(ar -> retriever.close());
  }
}

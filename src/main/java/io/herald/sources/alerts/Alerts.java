package io.herald.sources.alerts;

import io.herald.EventDescriptor;
import io.herald.Herald;
import io.herald.Roles;
import io.herald.TypedValues;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code alert.list}: the node's alerts. A broadcast, wildcard-eligible event ({@code added} when
 * an alert is raised, {@code changed} when its level or value changes or it is dismissed, {@code
 * removed} when it clears), the method {@code alert.list} (the alerts standing on the node the
 * client is connected to) and {@code alert.dismiss(uuid)}. The rules: memory use, space used per
 * local filesystem, load per core (with hysteresis, see {@link AlertBook}), and a one-shot alert
 * for every job of this node that ends FAILED.
 */
public final class Alerts {

  public static final String EVENT = "alert.list";

  static final JsonObject ALERT_SCHEMA =
      new JsonObject()
          .put("type", "object")
          .put(
              "required",
              new JsonArray()
                  .add("uuid")
                  .add("id")
                  .add("node")
                  .add("source")
                  .add("klass")
                  .add("level")
                  .add("key")
                  .add("args")
                  .add("formatted")
                  .add("text")
                  .add("datetime")
                  .add("last_occurrence")
                  .add("dismissed")
                  .add("one_shot"))
          .put(
              "properties",
              new JsonObject()
                  .put("uuid", new JsonObject().put("type", "string"))
                  .put("id", new JsonObject().put("type", "string"))
                  .put("node", new JsonObject().put("type", "string"))
                  .put("source", new JsonObject().put("type", "string"))
                  .put("klass", new JsonObject().put("type", "string"))
                  .put(
                      "level",
                      new JsonObject().put("enum", new JsonArray().add("WARNING").add("CRITICAL")))
                  .put("key", new JsonObject().put("type", "string"))
                  .put("args", new JsonObject().put("type", "object"))
                  .put("formatted", new JsonObject().put("type", "string"))
                  .put("text", new JsonObject().put("type", "string"))
                  .put("datetime", TypedValues.DATE_SCHEMA)
                  .put("last_occurrence", TypedValues.DATE_SCHEMA)
                  .put("dismissed", new JsonObject().put("type", "boolean"))
                  .put("one_shot", new JsonObject().put("type", "boolean")));

  public static final EventDescriptor DESCRIPTOR =
      EventDescriptor.broadcast(EVENT)
          .description(
              """
          Alerts of every node: `added` when an alert is raised, `changed` when its level (`WARNING` / \
          `CRITICAL`) or its reported value changes or it is dismissed, `removed` when it clears. `id` is the \
          alert's uuid; `fields` is the whole alert (`source` is the rule: `MemoryUsage`, `DiskUsage` (`key` = \
          the mount point), `LoadAverage`, `JobFailed` (one-shot, `key` = the job id); `node` is the node it is \
          about). A rule alert is raised at its warning threshold and clears only below its lower clear \
          threshold (`alerts.*` settings).""")
          .returns(ALERT_SCHEMA)
          .roles(Roles.ALERT_READ)
          .history(1000, 300_000)
          .build();

  private Alerts() {}

  /**
   * The alert engine of a node, on {@code metrics}: a verticle that, once deployed, registers the
   * event and the methods and evaluates the rules every {@code alerts.interval-ms}. One per node.
   */
  public static AlertEngine engine(
      Herald herald, AlertConfig config, AlertEngine.MetricSource metrics) {
    return new AlertEngine(herald, config, metrics);
  }
}

package io.herald.sources.alerts;

import io.herald.EventMessage;
import io.herald.sources.alerts.Alert.Level;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleFunction;
import java.util.function.Supplier;

/**
 * The standing alerts of a node and the rules that raise and clear them. No Vert.x: every method
 * takes the time and returns the {@code alert.list} messages to publish, so the hysteresis can be
 * driven step by step.
 *
 * <p>A rule alert (one per rule and key: memory, each filesystem, load) is raised ({@code added})
 * when its value reaches the warning threshold, at level CRITICAL from the critical threshold on.
 * While it stands, a change of level or of the reported value (as {@code formatted} shows it: 0.1 %
 * or 0.01 load) is a {@code changed}; it is {@code removed} only when the value falls below the
 * clear threshold, or when its key is gone (an unmounted filesystem). {@code last_occurrence} is
 * the last evaluation at which the value was at or above the warning threshold.
 */
final class AlertBook {

  static final String MEMORY = "MemoryUsage";
  static final String DISK = "DiskUsage";
  static final String LOAD = "LoadAverage";
  static final String JOB_FAILED = "JobFailed";

  private final String node;
  private final AlertConfig config;
  private final Supplier<String> uuids;
  private final Map<String, Alert> alerts = new LinkedHashMap<>();

  /** A rule's measurement of one key; {@code text} formats it against the threshold shown. */
  private record Reading(String key, double value, JsonObject args, DoubleFunction<String> text) {}

  AlertBook(String node, AlertConfig config, Supplier<String> uuids) {
    this.node = node;
    this.config = config;
    this.uuids = uuids;
  }

  /** Applies every rule whose metric is present to {@code metrics}; the messages in order. */
  List<EventMessage> evaluate(HostMetrics metrics, long now) {
    List<EventMessage> out = new ArrayList<>();
    if (metrics.memory() != null) {
      HostMetrics.Memory m = metrics.memory();
      rule(
          MEMORY,
          config.memory(),
          List.of(
              new Reading(
                  "memory",
                  m.percent(),
                  new JsonObject()
                      .put("percent", m.percent())
                      .put("total", m.total())
                      .put("available", m.available()),
                  t -> format("Memory use is %.1f%% (threshold %s%%).", m.percent(), number(t)))),
          now,
          out);
    }
    if (metrics.disks() != null) {
      rule(
          DISK,
          config.disk(),
          metrics.disks().stream()
              .map(
                  d ->
                      new Reading(
                          d.mount(),
                          d.percent(),
                          new JsonObject()
                              .put("mount", d.mount())
                              .put("device", d.device())
                              .put("type", d.type())
                              .put("percent", d.percent())
                              .put("total", d.total())
                              .put("used", d.used())
                              .put("available", d.available()),
                          t ->
                              format(
                                  "Space used on %s is %.1f%% (threshold %s%%).",
                                  d.mount(), d.percent(), number(t))))
              .toList(),
          now,
          out);
    }
    if (metrics.load() != null) {
      HostMetrics.Load l = metrics.load();
      rule(
          LOAD,
          config.load(),
          List.of(
              new Reading(
                  "load",
                  l.perCore(),
                  new JsonObject()
                      .put("load1", l.load1())
                      .put("cores", l.cores())
                      .put("per_core", l.perCore()),
                  t ->
                      format(
                          "1-minute load average is %.2f per core (%.2f on %d cores; threshold %.2f).",
                          l.perCore(), l.load1(), l.cores(), t))),
          now,
          out);
    }
    return out;
  }

  private void rule(
      String source,
      AlertConfig.Thresholds t,
      List<Reading> readings,
      long now,
      List<EventMessage> out) {
    Set<String> seen = new HashSet<>();
    for (Reading r : readings) {
      seen.add(r.key());
      String id = source + "\n" + r.key();
      Alert alert = alerts.get(id);
      Level level = r.value() >= t.critical() ? Level.CRITICAL : Level.WARNING;
      double threshold = level == Level.CRITICAL ? t.critical() : t.warning();
      JsonObject args = r.args().put("threshold", number(threshold));
      String text = r.text().apply(threshold);
      if (alert == null) {
        if (r.value() >= t.warning()) {
          alert = new Alert(uuids.get(), source, r.key(), false, now, level, args, text);
          alerts.put(id, alert);
          out.add(EventMessage.added(alert.uuid, alert.toJson(node)));
        }
      } else if (r.value() < t.clear()) {
        alerts.remove(id);
        out.add(EventMessage.removed(alert.uuid));
      } else {
        if (r.value() >= t.warning()) {
          alert.lastOccurrence = now;
        }
        if (level != alert.level || !text.equals(alert.formatted)) {
          alert.level = level;
          alert.args = args;
          alert.formatted = text;
          out.add(EventMessage.changed(alert.uuid, alert.toJson(node)));
        }
      }
    }
    for (Iterator<Alert> it = alerts.values().iterator(); it.hasNext(); ) {
      Alert alert = it.next();
      if (alert.source.equals(source) && !alert.oneShot && !seen.contains(alert.key)) {
        it.remove();
        out.add(EventMessage.removed(alert.uuid));
      }
    }
  }

  /** Raises a one-shot WARNING; null when one stands already for {@code source} and {@code key}. */
  Alert raiseOneShot(String source, String key, JsonObject args, String text, long now) {
    String id = source + "\n" + key;
    if (alerts.containsKey(id)) {
      return null;
    }
    Alert alert = new Alert(uuids.get(), source, key, true, now, Level.WARNING, args, text);
    alerts.put(id, alert);
    return alert;
  }

  Alert find(String uuid) {
    for (Alert alert : alerts.values()) {
      if (alert.uuid.equals(uuid)) {
        return alert;
      }
    }
    return null;
  }

  /** Removes the alert; null when there is none with that uuid. */
  Alert remove(String uuid) {
    Alert alert = find(uuid);
    if (alert != null) {
      alerts.remove(alert.source + "\n" + alert.key);
    }
    return alert;
  }

  /** The standing one-shot alerts, oldest first. */
  List<Alert> oneShots() {
    return alerts.values().stream().filter(a -> a.oneShot).toList();
  }

  List<Alert> all() {
    return new ArrayList<>(alerts.values());
  }

  /** The standing alerts, oldest first. */
  JsonArray list() {
    JsonArray list = new JsonArray();
    alerts.values().forEach(a -> list.add(a.toJson(node)));
    return list;
  }

  String node() {
    return node;
  }

  private static String format(String pattern, Object... values) {
    return String.format(Locale.ROOT, pattern, values);
  }

  /** 90.0 → 90, 2.5 → 2.5: thresholds as a person writes them. */
  private static Number number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? (Number) (long) value
        : (Number) value;
  }
}

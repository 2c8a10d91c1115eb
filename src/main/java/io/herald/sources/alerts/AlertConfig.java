package io.herald.sources.alerts;

import io.herald.config.Settings;

/**
 * The alert engine's settings ({@code alerts.*}). Thresholds are in the unit the rule measures:
 * percent for memory and disk, load per core for load (the setting is in hundredths: 200 → 2.00).
 *
 * @param intervalMs how often the rules are evaluated; the first evaluation is one interval after
 *     the start
 * @param oneShotTtlMs how long a one-shot alert stands before it is removed
 */
public record AlertConfig(
    long intervalMs, long oneShotTtlMs, Thresholds memory, Thresholds disk, Thresholds load) {

  /**
   * Hysteresis: an alert is raised when the value reaches {@code warning} (CRITICAL from {@code
   * critical} on) and cleared only when it falls below {@code clear}.
   */
  public record Thresholds(double warning, double critical, double clear) {}

  public AlertConfig {
    if (intervalMs <= 0 || oneShotTtlMs <= 0) {
      throw new IllegalArgumentException(
          "alerts.interval-ms and alerts.one-shot-ttl-ms must be positive");
    }
    check("memory", memory);
    check("disk", disk);
    check("load", load);
  }

  private static void check(String rule, Thresholds t) {
    if (t == null || !(t.clear() < t.warning() && t.warning() <= t.critical())) {
      throw new IllegalArgumentException(
          "alerts." + rule + ": the thresholds need clear < warning <= critical, got " + t);
    }
  }

  public static AlertConfig from(Settings settings) {
    return new AlertConfig(
        settings.alertsIntervalMs(),
        settings.alertsOneShotTtlMs(),
        thresholds(settings, "memory", 1),
        thresholds(settings, "disk", 1),
        thresholds(settings, "load", 100));
  }

  private static Thresholds thresholds(Settings settings, String rule, double unit) {
    return new Thresholds(
        settings.alertsThreshold(rule, "warning") / unit,
        settings.alertsThreshold(rule, "critical") / unit,
        settings.alertsThreshold(rule, "clear") / unit);
  }
}

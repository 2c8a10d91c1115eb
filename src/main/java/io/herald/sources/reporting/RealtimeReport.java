package io.herald.sources.reporting;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Builds the {@code reporting.realtime} payload from two consecutive {@link HostSample}s: the
 * seed's keys and shapes, plus the newer original's per-core CPU usage, disks, interface rates and
 * link state. Pure function.
 */
public final class RealtimeReport {

  private static final String[] CPU_STATES = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"
  };
  private static final long SECTOR = 512;

  private RealtimeReport() {}

  static JsonObject build(HostSample previous, HostSample now, String nodeId) {
    double seconds = Math.max(1e-3, (now.nanoTime() - previous.nanoTime()) / 1e9);
    return new JsonObject()
        .put("node", nodeId)
        .put("virtual_memory", memory(now.meminfo()))
        .put("cpu", cpu(previous.cpu(), now.cpu(), now.temperatures()))
        .put("disks", disks(previous.disks(), now.disks(), seconds))
        .put("interfaces", interfaces(previous.nics(), now.nics(), seconds))
        .put(
            "loadavg",
            new JsonArray().add(now.loadavg()[0]).add(now.loadavg()[1]).add(now.loadavg()[2]));
  }

  /**
   * psutil's definitions: cached includes reclaimable slab; used = total - free - buffers - cached.
   */
  public static JsonObject memory(Map<String, Long> m) {
    long total = m.getOrDefault("MemTotal", 0L);
    long free = m.getOrDefault("MemFree", 0L);
    long buffers = m.getOrDefault("Buffers", 0L);
    long cached = m.getOrDefault("Cached", 0L) + m.getOrDefault("SReclaimable", 0L);
    long available = m.getOrDefault("MemAvailable", free + buffers + cached);
    long used = total - free - buffers - cached;
    return new JsonObject()
        .put("total", total)
        .put("available", available)
        .put("percent", total == 0 ? 0.0 : Math.round((total - available) * 1000.0 / total) / 10.0)
        .put("used", used < 0 ? total - free : used)
        .put("free", free)
        .put("active", m.getOrDefault("Active", 0L))
        .put("inactive", m.getOrDefault("Inactive", 0L))
        .put("buffers", buffers)
        .put("cached", cached)
        .put("shared", m.getOrDefault("Shmem", 0L))
        .put("slab", m.getOrDefault("Slab", 0L))
        // "wired" memory is a BSD notion: Linux has no such counter, so none is invented.
        .putNull("wired");
  }

  static JsonObject cpu(
      Map<String, long[]> before, Map<String, long[]> after, Map<String, Double> temperatures) {
    JsonObject cpu = new JsonObject();
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[10]);
      String name = e.getKey().equals("cpu") ? "average" : e.getKey().substring(3);
      cpu.put(name, usage(b, e.getValue()));
    }
    JsonObject temperature = new JsonObject();
    temperatures.forEach(temperature::put);
    return cpu.put("temperature", temperature).put("temperature_celsius", temperature.copy());
  }

  /** Percent of the interval per state; {@code usage} = everything but idle and iowait. */
  private static JsonObject usage(long[] before, long[] after) {
    long[] delta = new long[10];
    long total = 0;
    // guest and guest_nice are already counted in user and nice: leave them out of the total.
    for (int i = 0; i < 8; i++) {
      delta[i] = Math.max(0, after[i] - before[i]);
      total += delta[i];
    }
    delta[8] = Math.max(0, after[8] - before[8]);
    delta[9] = Math.max(0, after[9] - before[9]);
    JsonObject usage = new JsonObject();
    for (int i = 0; i < CPU_STATES.length; i++) {
      usage.put(CPU_STATES[i], percent(delta[i], total));
    }
    return usage.put("usage", percent(total - delta[3] - delta[4], total));
  }

  static JsonObject disks(Map<String, long[]> before, Map<String, long[]> after, double seconds) {
    long readOps = 0, readSectors = 0, writeOps = 0, writeSectors = 0, busiestMs = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.get(e.getKey());
      if (b == null) {
        continue;
      }
      long[] a = e.getValue();
      readOps += a[0] - b[0];
      readSectors += a[1] - b[1];
      writeOps += a[2] - b[2];
      writeSectors += a[3] - b[3];
      busiestMs = Math.max(busiestMs, a[4] - b[4]);
    }
    return new JsonObject()
        .put("busy", Math.min(100.0, round(busiestMs / (seconds * 10.0))))
        .put("read_bytes", round(readSectors * SECTOR / seconds))
        .put("write_bytes", round(writeSectors * SECTOR / seconds))
        .put("read_ops", round(readOps / seconds))
        .put("write_ops", round(writeOps / seconds));
  }

  static JsonObject interfaces(
      Map<String, HostSample.Nic> before, Map<String, HostSample.Nic> after, double seconds) {
    JsonObject interfaces = new JsonObject();
    after.forEach(
        (name, now) -> {
          HostSample.Nic last = before.getOrDefault(name, now);
          interfaces.put(
              name,
              new JsonObject()
                  .put("received_bytes", now.rxBytes())
                  .put("received_bytes_last", last.rxBytes())
                  .put("sent_bytes", now.txBytes())
                  .put("sent_bytes_last", last.txBytes())
                  .put(
                      "received_bytes_rate",
                      round(Math.max(0, now.rxBytes() - last.rxBytes()) / seconds))
                  .put(
                      "sent_bytes_rate",
                      round(Math.max(0, now.txBytes() - last.txBytes()) / seconds))
                  .put(
                      "link_state",
                      now.operstate().equals("up")
                              || now.operstate().equals("unknown") && name.equals("lo")
                          ? "LINK_STATE_UP"
                          : "LINK_STATE_DOWN")
                  .put("speed", now.speed()));
        });
    return interfaces;
  }

  private static double percent(long part, long total) {
    return total == 0 ? 0.0 : round(part * 100.0 / total);
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}

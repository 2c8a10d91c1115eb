package io.herald.sources.reporting;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One reading of the host's counters from {@code /proc} and {@code /sys}. Blocking: read on a
 * worker thread. Parsing is separate from reading so that it can be tested on fixed text; the alert
 * engine reuses the parsers.
 */
public record HostSample(
    long nanoTime,
    Map<String, Long> meminfo,
    Map<String, long[]> cpu,
    Map<String, long[]> disks,
    Map<String, Nic> nics,
    double[] loadavg,
    Map<String, Double> temperatures) {

  /** Counters of one network interface; {@code speed} in Mb/s, null when the link has none. */
  record Nic(long rxBytes, long txBytes, String operstate, Integer speed) {}

  static HostSample read(Path proc, Path sys) throws IOException {
    if (!Files.isReadable(proc.resolve("meminfo"))) {
      throw new IOException(
          "host metrics need "
              + proc
              + "/meminfo, "
              + proc
              + "/stat and "
              + sys
              + "/class/net (Linux); this host has no "
              + proc.resolve("meminfo"));
    }
    return new HostSample(
        System.nanoTime(),
        meminfo(Files.readString(proc.resolve("meminfo"))),
        cpu(Files.readString(proc.resolve("stat"))),
        disks(Files.readString(proc.resolve("diskstats")), wholeDisks(sys.resolve("block"))),
        nics(sys.resolve("class/net")),
        loadavg(Files.readString(proc.resolve("loadavg"))),
        temperatures(sys.resolve("class/thermal")));
  }

  /** {@code /proc/meminfo}, values in bytes. */
  public static Map<String, Long> meminfo(String text) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length >= 2 && parts[0].endsWith(":")) {
        long value = Long.parseLong(parts[1]);
        values.put(
            parts[0].substring(0, parts[0].length() - 1),
            parts.length > 2 && parts[2].equals("kB") ? value * 1024 : value);
      }
    }
    return values;
  }

  /** {@code /proc/stat} cpu lines: {@code cpu} (the total) and {@code cpuN}, jiffies per state. */
  public static Map<String, long[]> cpu(String text) {
    Map<String, long[]> cpus = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("cpu")) {
        String[] parts = line.trim().split("\\s+");
        long[] jiffies = new long[10];
        for (int i = 1; i < parts.length && i <= 10; i++) {
          jiffies[i - 1] = Long.parseLong(parts[i]);
        }
        cpus.put(parts[0], jiffies);
      }
    }
    return cpus;
  }

  /**
   * {@code /proc/diskstats} rows of whole disks: {reads completed, sectors read, writes completed,
   * sectors written, milliseconds doing I/O}.
   */
  static Map<String, long[]> disks(String text, List<String> wholeDisks) {
    Map<String, long[]> disks = new TreeMap<>();
    for (String line : text.split("\n")) {
      String[] p = line.trim().split("\\s+");
      if (p.length >= 13 && wholeDisks.contains(p[2])) {
        disks.put(
            p[2],
            new long[] {
              Long.parseLong(p[3]),
              Long.parseLong(p[5]),
              Long.parseLong(p[7]),
              Long.parseLong(p[9]),
              Long.parseLong(p[12])
            });
      }
    }
    return disks;
  }

  /** {@code /proc/loadavg}: the 1, 5 and 15-minute load averages. */
  public static double[] loadavg(String text) {
    String[] p = text.trim().split("\\s+");
    return new double[] {
      Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2])
    };
  }

  private static List<String> wholeDisks(Path block) throws IOException {
    if (!Files.isDirectory(block)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(block)) {
      return list.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("loop") && !n.startsWith("ram"))
          .toList();
    }
  }

  private static Map<String, Nic> nics(Path net) throws IOException {
    Map<String, Nic> nics = new TreeMap<>();
    try (Stream<Path> list = Files.list(net)) {
      for (Path nic : list.toList()) {
        nics.put(
            nic.getFileName().toString(),
            new Nic(
                Long.parseLong(Files.readString(nic.resolve("statistics/rx_bytes")).trim()),
                Long.parseLong(Files.readString(nic.resolve("statistics/tx_bytes")).trim()),
                readOr(nic.resolve("operstate"), "unknown"),
                speed(nic.resolve("speed"))));
      }
    }
    return nics;
  }

  private static Integer speed(Path file) {
    try {
      int speed = Integer.parseInt(Files.readString(file).trim());
      return speed > 0 ? speed : null;
    } catch (IOException | NumberFormatException noSpeed) {
      return null;
    }
  }

  private static Map<String, Double> temperatures(Path thermal) {
    Map<String, Double> temps = new TreeMap<>();
    if (!Files.isDirectory(thermal)) {
      return temps;
    }
    try (Stream<Path> zones = Files.list(thermal)) {
      for (Path zone :
          zones.filter(z -> z.getFileName().toString().startsWith("thermal_zone")).toList()) {
        try {
          String type = Files.readString(zone.resolve("type")).trim();
          temps.put(type, Long.parseLong(Files.readString(zone.resolve("temp")).trim()) / 1000.0);
        } catch (IOException | NumberFormatException unreadable) {
          // a zone without a readable temperature is left out
        }
      }
    } catch (IOException unreadable) {
      // no thermal zones
    }
    return temps;
  }

  private static String readOr(Path file, String fallback) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return fallback;
    }
  }
}

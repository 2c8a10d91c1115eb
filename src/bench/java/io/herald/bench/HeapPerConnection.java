package io.herald.bench;

import io.vertx.core.http.WebSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Target 3: live heap per idle subscribed connection. BENCH_HEAP_N (10,000) subscribers connect to
 * the warmed {@code herald} peer (each waits for its {@code ready}); the heap after a full GC
 * (control port {@code /gc}) before and after, delta / N. The same for {@code raw-vertx} when it is
 * in the run (the Vert.x baseline). With BENCH_HISTO=1 also {@code jcmd PID GC.class_histogram}
 * before and after: the 15 classes with the largest bytes delta per connection.
 */
final class HeapPerConnection {

  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

  private final FanoutBench bench;
  private final int n = Integer.parseInt(FanoutBench.env("BENCH_HEAP_N", "10000"));
  private final boolean histo = !FanoutBench.env("BENCH_HISTO", "").isEmpty();

  HeapPerConnection(FanoutBench bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    StringBuilder o = bench.sections;
    o.append(
        String.format(
            Locale.ROOT,
            "%nTarget 3, heap per idle subscribed connection (N=%d, heap after full GC):%n",
            n));
    for (String label : List.of("herald", "raw-vertx")) {
      FanoutBench.Peer peer = bench.peer(label);
      if (peer == null) {
        continue;
      }
      Map<String, long[]> before = histo ? histogram(peer) : null;
      List<WebSocket> sockets = bench.subscribeMeasuringMemory(peer, n);
      long[] m = bench.memory.get(peer.label).get(n);
      double kb = m[1] / 1024.0 / n;
      o.append(
          String.format(
              Locale.ROOT,
              "%-16s heap %+.1f MB = %.2f KB/conn, RSS %+.1f MB = %.2f KB/conn, connected in %d ms%n",
              label,
              m[1] / 1048576.0,
              kb,
              m[0] / 1048576.0,
              m[0] / 1024.0 / n,
              m[2]));
      if (histo) {
        o.append(histogramDiff(before, histogram(peer)));
      }
      if (label.equals("herald")) {
        bench.targets.measured("heap", kb, 8);
      }
      bench.closeAll(sockets);
      Thread.sleep(2000);
    }
  }

  /** class name -> {instances, bytes}, from {@code jcmd PID GC.class_histogram} (a full GC). */
  static Map<String, long[]> histogram(FanoutBench.Peer peer) throws Exception {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(peer.process.pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Map<String, long[]> rows = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.matches()) {
        rows.merge(
            m.group(3),
            new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      }
    }
    return rows;
  }

  String histogramDiff(Map<String, long[]> before, Map<String, long[]> after) {
    StringBuilder o =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "  class histogram, top 15 by bytes delta per connection:%n  %12s %12s  %s%n",
                "bytes/conn",
                "inst/conn",
                "class"));
    after.entrySet().stream()
        .map(
            e -> {
              long[] b = before.getOrDefault(e.getKey(), new long[2]);
              return Map.entry(
                  e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
            })
        .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
        .limit(15)
        .forEach(
            e ->
                o.append(
                    String.format(
                        Locale.ROOT,
                        "  %12.1f %12.2f  %s%n",
                        (double) e.getValue()[1] / n,
                        (double) e.getValue()[0] / n,
                        e.getKey())));
    return o.toString();
  }
}

package io.herald.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 13's targets 1-6, one line per check: what, the measured value, the target, the ratio
 * measured / target, and {@code met}, {@code NOT met} or {@code not measured} (its peers, points or
 * scenario were not in the run). Targets 1 and 2 come from the medians of the run's W1 points; the
 * scenarios fill in the others.
 */
final class Targets {

  /** One check; value is null until measured. */
  private static final class Check {
    final String id;
    final String what;
    final String target;
    String value;
    double ratio = Double.NaN;
    Boolean met;

    Check(String id, String what, String target) {
      this.id = id;
      this.what = what;
      this.target = target;
    }
  }

  private final Map<String, Check> checks = new LinkedHashMap<>();

  Targets() {
    for (String peer : List.of("herald", "herald-cluster")) {
      add("1", cpuKey(peer, 1000, 20000), "CPU/msg " + peer + " / nginx-nchan, N=1000 @20k", 0.9);
      add("1", cpuKey(peer, 5000, 35000), "CPU/msg " + peer + " / nginx-nchan, N=5000 @35k", 0.9);
    }
    add("2", "p99-ws", "p99 herald / node-ws, N=5000 @35k", 1.0);
    add("2", "p99-cluster", "p99 herald-cluster / herald, N=5000 @35k", 1.2);
    add("3", "heap", "live heap per idle subscribed connection, herald (KB)", 8);
    add("4", "cold", "cold start: p99 [ready, ready+10 s] / steady p99, N=1000 @35k", 2);
    add("5", "hop-p50", "cluster hop: added p50 (ms), subscribers on B", 1);
    add("5", "hop-p99", "cluster hop: added p99 (ms), subscribers on B", 5);
    add("5", "hop-copies", "cluster hop: bus bytes A->B per event / payload (1 copy: < 2)", 2);
    add("6", "slow-p99", "slow reader: the others' p99 with / without, herald N=100", 1.2);
    checks.put(
        "slow-closed",
        new Check("6", "slow reader closed by the slow-consumer policy (4001)", "closed"));
  }

  private void add(String id, String key, String what, double target) {
    checks.put(key, new Check(id, what, fmt(target)));
  }

  static String cpuKey(String peer, int n, int rate) {
    return "cpu-" + peer + "-" + n + "-" + rate;
  }

  /** A measured value of a check whose target is "at most {@code target}". */
  void measured(String key, double value, double target) {
    Check c = checks.get(key);
    c.value = fmt(value);
    c.ratio = value / target;
    c.met = value <= target;
  }

  /** A check measured as a verdict, with its value in words. */
  void verdict(String key, String value, boolean met) {
    Check c = checks.get(key);
    c.value = value;
    c.met = met;
  }

  /** The summary, after targets 1 and 2 are read from the run's W1 medians. */
  String summary(FanoutBench bench) {
    for (String peer : List.of("herald", "herald-cluster")) {
      ratio(bench, cpuKey(peer, 1000, 20000), peer, "nginx-nchan", 1000, 20000, true, 0.9);
      ratio(bench, cpuKey(peer, 5000, 35000), peer, "nginx-nchan", 5000, 35000, true, 0.9);
    }
    ratio(bench, "p99-ws", "herald", "node-ws", 5000, 35000, false, 1.0);
    ratio(bench, "p99-cluster", "herald-cluster", "herald", 5000, 35000, false, 1.2);
    StringBuilder o = new StringBuilder("Targets (issue 13): measured / target\n");
    o.append(
        String.format(
            Locale.ROOT,
            "%-3s %-66s %12s %8s %8s  %s%n",
            "#",
            "check",
            "measured",
            "target",
            "ratio",
            "verdict"));
    for (Check c : checks.values()) {
      o.append(
          String.format(
              Locale.ROOT,
              "%-3s %-66s %12s %8s %8s  %s%n",
              c.id,
              c.what,
              c.value == null ? "-" : c.value,
              c.target,
              Double.isNaN(c.ratio) ? "-" : String.format(Locale.ROOT, "%.2f", c.ratio),
              c.met == null ? "not measured" : c.met ? "met" : "NOT met"));
    }
    o.append(withoutJit(bench));
    return o.toString();
  }

  /**
   * Target 1 again with the JIT compiler threads' time left out (BENCH_THREADS=1 only): a C2
   * recompilation landing in a window is counted as cost per message by the verdicts above; this
   * shows the steady state beside them. Informational: the verdicts stand.
   */
  private static String withoutJit(FanoutBench bench) {
    StringBuilder o = new StringBuilder();
    java.util.function.ToDoubleFunction<FanoutBench.Point> f =
        p -> p.serverUsPerMsg - p.jitUsPerMsg;
    for (String peer : List.of("herald", "herald-cluster")) {
      for (int[] point : new int[][] {{1000, 20000}, {5000, 35000}}) {
        List<FanoutBench.Point> a = bench.select(peer, point[0], point[1]);
        List<FanoutBench.Point> b = bench.select("nginx-nchan", point[0], point[1]);
        if (a.isEmpty() || b.isEmpty() || Double.isNaN(FanoutBench.median(a, f))) {
          continue;
        }
        o.append(
            String.format(
                Locale.ROOT,
                "1   (without JIT compiler threads) %-16s N=%d @%dk: %.2f / %.2f us/msg = %.2f%n",
                peer,
                point[0],
                point[1] / 1000,
                FanoutBench.median(a, f),
                FanoutBench.median(b, f),
                FanoutBench.median(a, f) / FanoutBench.median(b, f)));
      }
    }
    return o.toString();
  }

  private void ratio(
      FanoutBench bench,
      String key,
      String peer,
      String against,
      int n,
      int rate,
      boolean cpu,
      double target) {
    List<FanoutBench.Point> a = bench.select(peer, n, rate);
    List<FanoutBench.Point> b = bench.select(against, n, rate);
    if (a.isEmpty() || b.isEmpty()) {
      return;
    }
    java.util.function.ToDoubleFunction<FanoutBench.Point> f =
        cpu ? p -> p.serverUsPerMsg : p -> p.p99;
    measured(key, FanoutBench.median(a, f) / FanoutBench.median(b, f), target);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.2f", v);
  }
}

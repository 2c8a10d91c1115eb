package io.herald.bench;

import io.vertx.core.http.WebSocket;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Target 4, cold start: a fresh Herald node process (the {@code herald} peer's flags, no warm-up)
 * is started; once its {@code GET /ready} answers 200, BENCH_COLD_N (1000) subscribers connect as
 * fast as they can, and it publishes BENCH_COLD_RATE (35,000) delivered msgs/s open loop. Reported:
 * start to ready, the p99 of each 2-second slot of intended send times after ready, and the p99
 * over [ready, ready + BENCH_COLD_MS (10 s)], against the steady p99 of the warmed {@code herald}
 * peer at the same N and rate in the same run.
 */
final class ColdStart {

  private static final long SLOT_MS = 2000;

  private final FanoutBench bench;
  private final int n = Integer.parseInt(FanoutBench.env("BENCH_COLD_N", "1000"));
  private final int rate = Integer.parseInt(FanoutBench.env("BENCH_COLD_RATE", "35000"));
  private final long spanMs = Long.parseLong(FanoutBench.env("BENCH_COLD_MS", "10000"));

  ColdStart(FanoutBench bench) {
    this.bench = bench;
  }

  /** The run's window [ready, ready + span], and a histogram per 2-second slot of it. */
  static final class SlottedStats extends FanoutBench.RunStats {
    final Histogram[] slots;

    SlottedStats(long run, long winStart, long winEnd) {
      super(run, winStart, winEnd);
      slots =
          new Histogram
              [(int) ((winEnd - winStart + SLOT_MS * 1_000_000 - 1) / (SLOT_MS * 1_000_000))];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = new Histogram(60_000_000L, 3);
      }
    }

    @Override
    void record(long seq, long sent, long now) {
      super.record(seq, sent, now);
      if (sent >= winStart && sent < winEnd) {
        slots[(int) ((sent - winStart) / (SLOT_MS * 1_000_000))].recordValue(
            Math.min(60_000_000L, Math.max(0, (now - sent) / 1000)));
      }
    }
  }

  void run() throws Exception {
    FanoutBench.Peer warm = bench.peer("herald");
    double steady =
        warm == null ? Double.NaN : FanoutBench.median(bench.reference(warm, n, rate), p -> p.p99);
    FanoutBench.Peer cold =
        FanoutBench.Peer.heraldPeer(
            bench,
            "herald-cold",
            false,
            "{\"msg\":\"sub\",\"id\":\"b\",\"name\":\"" + BenchPayload.EVENT + "\"}");
    long t0 = System.nanoTime();
    cold.launch(bench.out.resolve("logs"));
    bench.peers.add(cold);
    long ready = cold.awaitReady();
    long c0 = System.nanoTime();
    List<WebSocket> sockets = bench.connect(cold, n);
    long connected = System.nanoTime();
    long end = ready + spanMs * 1_000_000;
    SlottedStats stats = new SlottedStats(++bench.runIds, ready, end);
    long ms = Math.max(1, (end - System.nanoTime()) / 1_000_000);
    bench.record(
        stats,
        () -> {
          cold.startRun(stats.run, (double) rate / n, ms);
          return null;
        },
        end);
    bench.closeAll(sockets);
    cold.stop();
    report(stats, (ready - t0) / 1e6, (connected - c0) / 1e6, (connected - ready) / 1e6, steady);
  }

  private void report(
      SlottedStats stats, double startMs, double connectMs, double afterReadyMs, double steady) {
    StringBuilder o = bench.sections;
    o.append(
        String.format(
            Locale.ROOT,
            "%nTarget 4, cold start (a fresh herald node, N=%d, %d msgs/s): process start -> ready %.0f ms;"
                + " %d subscribers connected in %.0f ms, publishing from ready + %.0f ms%n",
            n,
            rate,
            startMs,
            n,
            connectMs,
            afterReadyMs));
    for (int i = 0; i < stats.slots.length; i++) {
      Histogram h = stats.slots[i];
      o.append(
          String.format(
              Locale.ROOT,
              "  ready +%2d..%2d s: %8d msgs  p50 %8.2f ms  p99 %8.2f ms%n",
              i * SLOT_MS / 1000,
              (i + 1) * SLOT_MS / 1000,
              h.getTotalCount(),
              h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0,
              h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0));
    }
    double p99 = stats.latencyUs.getValueAtPercentile(99) / 1000.0;
    o.append(
        String.format(
            Locale.ROOT,
            "  [ready, ready+%d s]: %d msgs, p99 %.2f ms; warmed herald's steady p99 %.2f ms: %.2fx%n",
            spanMs / 1000,
            stats.inWindow,
            p99,
            steady,
            p99 / steady));
    if (stats.inWindow > 0 && !Double.isNaN(steady)) {
      bench.targets.measured("cold", p99 / steady, 2);
    }
  }
}

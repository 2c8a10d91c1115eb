package io.herald.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Workload W1 of BENCH.md (fan-out of one ~300-byte {@code changed} job event to N subscribers)
 * against Herald and its peers, side by side in one run. This process is the orchestrator and the
 * load generator (run it pinned to one core, {@code taskset -c 1}); it starts every server pinned
 * to the other core ({@code taskset -c 0}).
 *
 * <p>Per N: every peer gets N subscribed websockets (memory per idle subscribed connection measured
 * on the way), then for each rate and repetition every peer is measured in turn (A B C A B C): the
 * server's own publisher publishes on an open-loop schedule with the intended send time in the
 * payload; after a warm-up the generator counts delivered messages, records publish→receive latency
 * (HdrHistogram) and samples the CPU of the server process(es), of itself and of the whole machine
 * from /proc. Medians of the repetitions are printed, with the spread, and the ratios Herald /
 * peer. Prints figures, asserts nothing.
 *
 * <p>Settings (environment): BENCH_PEERS, BENCH_N, BENCH_RATES (delivered msgs/s), BENCH_REPS,
 * BENCH_WARM_MS, BENCH_MEASURE_MS, BENCH_OUT; see scripts/bench.
 */
public final class FanoutBench {

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final Path ROOT = Path.of(System.getProperty("user.dir"));
  static final long CLK_TCK = 100;
  static final long PAGE = 4096;

  /** The GC comparison's peers (BENCH_SUITE=gc) and their collectors. */
  static final Map<String, String> GC_FLAGS =
      Map.of(
          "herald-serial", "Serial",
          "herald-parallel", "Parallel",
          "herald-g1", "G1",
          "herald-shenandoah", "Shenandoah",
          "herald-zgc", "Z");

  static final List<String> GC_PEERS =
      List.of("herald-serial", "herald-parallel", "herald-g1", "herald-shenandoah", "herald-zgc");

  // --- settings ---
  /**
   * {@code targets}: issue 13's targets 1-6 in one run; {@code gc}: the collectors side by side.
   */
  final String suite = env("BENCH_SUITE", "");

  final List<String> scenarios =
      list(env("BENCH_SCENARIOS", suite.equals("targets") ? "heap,cold,hop,slow" : ""));
  final List<String> peerNames = list(env("BENCH_PEERS", defaultPeers()));
  final List<Load> loads = loads();
  final int reps = Integer.parseInt(env("BENCH_REPS", "3"));
  final long warmMs = Long.parseLong(env("BENCH_WARM_MS", "1000"));
  final long warmupMs = Long.parseLong(env("BENCH_WARMUP_MS", "30000"));
  final long settleMs = Long.parseLong(env("BENCH_SETTLE_MS", "20000"));
  final long measureMs = Long.parseLong(env("BENCH_MEASURE_MS", "4000"));
  final Path out = ROOT.resolve(env("BENCH_OUT", "target/bench"));
  final boolean threads = !env("BENCH_THREADS", "").isEmpty();

  /** Websockets the generator may hold at once (its file descriptors: 20,000 on this machine). */
  final int maxSockets = Integer.parseInt(env("BENCH_MAX_SOCKETS", "19000"));

  final Targets targets = new Targets();

  /** The scenarios' own sections of the report. */
  final StringBuilder sections = new StringBuilder();

  /** One point of W1: N subscribers, delivered messages a second. */
  record Load(int n, int rate) {}

  String defaultPeers() {
    return switch (suite) {
      case "targets" -> "herald,herald-cluster,ws,nchan";
      case "gc" -> String.join(",", GC_PEERS);
      default -> scenarios.isEmpty() ? "herald,herald-cluster,raw,sockjs,ws,nchan" : "herald";
    };
  }

  /**
   * BENCH_POINTS ({@code N@RATE,...}); else the suite's; else BENCH_N x BENCH_RATES (none when only
   * scenarios were asked for).
   */
  List<Load> loads() {
    String explicit = env("BENCH_POINTS", "");
    if (explicit.isEmpty()) {
      explicit =
          switch (suite) {
            case "targets" -> "1000@20000,1000@35000,5000@35000";
            case "gc" -> "1000@20000,5000@35000";
            default -> "";
          };
    }
    if (!explicit.isEmpty()) {
      return list(explicit).stream()
          .map(p -> p.split("@"))
          .map(p -> new Load(Integer.parseInt(p[0]), Integer.parseInt(p[1])))
          .toList();
    }
    if (!scenarios.isEmpty() && env("BENCH_N", "").isEmpty() && env("BENCH_RATES", "").isEmpty()) {
      return List.of();
    }
    List<Load> cross = new ArrayList<>();
    for (String n : list(env("BENCH_N", "100,1000"))) {
      for (String rate : list(env("BENCH_RATES", "5000,20000"))) {
        cross.add(new Load(Integer.parseInt(n), Integer.parseInt(rate)));
      }
    }
    return cross;
  }

  final Vertx vertx =
      Vertx.vertx(
          new VertxOptions()
              .setEventLoopPoolSize(1)
              .setWorkerPoolSize(1)
              .setInternalBlockingPoolSize(1));
  final Context ctx = vertx.getOrCreateContext();
  final java.net.http.HttpClient control =
      java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  WebSocketClient wsClient;
  HttpClient httpClient;

  /** The run being recorded; read and written on the generator's event loop only. */
  RunStats current;

  long runIds = System.currentTimeMillis() % 1_000_000 * 1000;
  final List<Peer> peers = new ArrayList<>();
  final List<Point> points = new ArrayList<>();
  final Map<String, Map<Integer, long[]>> memory = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    FanoutBench bench = new FanoutBench();
    int code = 0;
    try {
      bench.run();
    } catch (Throwable e) {
      e.printStackTrace();
      code = 1;
    } finally {
      bench.stopAll();
      bench.vertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(code);
  }

  void run() throws Exception {
    Files.createDirectories(out.resolve("logs"));
    onLoop(
        () -> {
          wsClient =
              vertx.createWebSocketClient(
                  new WebSocketClientOptions()
                      .setMaxConnections(25_000)
                      .setConnectTimeout(20_000)
                      .setTryUsePerMessageCompression(false));
          httpClient =
              vertx.createHttpClient(
                  new HttpClientOptions().setKeepAlive(true),
                  new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
          return null;
        });
    long started = System.nanoTime();
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    for (String name : peerNames) {
      Peer peer = Peer.of(name, this);
      if (peer == null) {
        log("peer %s: not available here, skipped", name);
        continue;
      }
      log("starting %s ...", peer.label);
      peer.launch(out.resolve("logs"));
      peers.add(peer);
    }
    warmUp(peers);
    for (int n : loadNs()) {
      for (List<Peer> batch : batches(n)) {
        measurePoints(batch, n, ratesOf(n));
      }
    }
    for (String scenario : scenarios) {
      runScenario(scenario);
    }
    String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
    report(loadBefore, loadAfter, (System.nanoTime() - started) / 1_000_000_000L);
  }

  /**
   * The peers in groups whose N subscribers each the generator can hold at once
   * (BENCH_MAX_SOCKETS): usually one group; at N = 5000 with four peers, two.
   */
  List<List<Peer>> batches(int n) {
    int perBatch = Math.max(1, maxSockets / n);
    int count = (peers.size() + perBatch - 1) / Math.max(1, perBatch);
    List<List<Peer>> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      batches.add(new ArrayList<>());
    }
    for (int i = 0; i < peers.size(); i++) {
      batches.get(i % count).add(peers.get(i));
    }
    if (count > 1) {
      log(
          "N=%d: the generator holds at most %d sockets: peers measured in %s",
          n,
          maxSockets,
          batches.stream().map(b -> b.stream().map(p -> p.label).toList().toString()).toList());
    }
    return batches;
  }

  /** Every rate x repetition of one N, the peers interleaved (A B C, then B C A ...). */
  void measurePoints(List<Peer> batch, int n, List<Integer> rates) throws Exception {
    points.addAll(measureInterleaved(batch, n, rates));
  }

  /**
   * The peers get n subscribers each, then every rate x repetition is measured, the peers
   * interleaved; the points, not added to the run's.
   */
  List<Point> measureInterleaved(List<Peer> batch, int n, List<Integer> rates) throws Exception {
    List<Point> measured = new ArrayList<>();
    List<List<WebSocket>> sockets = new ArrayList<>();
    for (Peer peer : batch) {
      sockets.add(subscribeMeasuringMemory(peer, n));
    }
    settle(batch, n, rates.get(rates.size() - 1));
    for (int rate : rates) {
      for (int rep = 0; rep < reps; rep++) {
        for (int i = 0; i < batch.size(); i++) {
          measured.add(
              measure(batch.get((i + rep) % batch.size()), n, rate, warmMs, measureMs, true));
        }
      }
    }
    for (List<WebSocket> list : sockets) {
      closeAll(list);
    }
    Thread.sleep(2500);
    return measured;
  }

  void runScenario(String name) throws Exception {
    log("scenario %s ...", name);
    switch (name) {
      case "heap" -> new HeapPerConnection(this).run();
      case "cold" -> new ColdStart(this).run();
      case "hop" -> new ClusterHop(this).run();
      case "slow" -> new SlowReader(this).run();
      default ->
          throw new IllegalArgumentException(
              "unknown scenario " + name + " (known: heap, cold, hop, slow)");
    }
  }

  /** The first peer of the run with this label, or null. */
  Peer peer(String label) {
    return peers.stream().filter(p -> p.label.equals(label)).findFirst().orElse(null);
  }

  /**
   * The W1 points of a peer at (n, rate): those of the run if it measured them, else {@code reps}
   * measured now with n fresh subscribers (a scenario's reference).
   */
  List<Point> reference(Peer peer, int n, int rate) throws Exception {
    List<Point> ps = select(peer.label, n, rate);
    if (!ps.isEmpty()) {
      return ps;
    }
    List<WebSocket> sockets = connect(peer, n);
    settle(List.of(peer), n, rate);
    for (int rep = 0; rep < reps; rep++) {
      points.add(measure(peer, n, rate, warmMs, measureMs, true));
    }
    closeAll(sockets);
    Thread.sleep(1000);
    return select(peer.label, n, rate);
  }

  // --- subscribers ---

  List<WebSocket> subscribeMeasuringMemory(Peer peer, int n) throws Exception {
    long heap0 = peer.heapAfterGc();
    Thread.sleep(300);
    long rss0 = peer.rss();
    long t0 = System.nanoTime();
    List<WebSocket> sockets = connect(peer, n);
    long connectMs = (System.nanoTime() - t0) / 1_000_000;
    Thread.sleep(1500);
    long heap1 = peer.heapAfterGc();
    Thread.sleep(300);
    long rss1 = peer.rss();
    memory
        .computeIfAbsent(peer.label, k -> new LinkedHashMap<>())
        .put(
            n,
            new long[] {rss1 - rss0, heap0 < 0 ? Long.MIN_VALUE : heap1 - heap0, connectMs, rss1});
    log(
        "%-16s N=%-5d subscribed in %d ms; RSS %+d KB, heap after GC %+d KB",
        peer.label, n, connectMs, (rss1 - rss0) / 1024, heap0 < 0 ? 0 : (heap1 - heap0) / 1024);
    return sockets;
  }

  List<WebSocket> connect(Peer peer, int n) throws Exception {
    CompletableFuture<List<WebSocket>> done = new CompletableFuture<>();
    List<WebSocket> sockets = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    ctx.runOnContext(
        v -> {
          int parallel = Math.min(64, n);
          for (int i = 0; i < parallel; i++) {
            connectNext(peer, n, started, sockets, done);
          }
        });
    List<WebSocket> list = done.get(120, TimeUnit.SECONDS);
    if (peer.settleMs > 0) {
      Thread.sleep(peer.settleMs);
    }
    return list;
  }

  private void connectNext(
      Peer peer,
      int n,
      AtomicInteger started,
      List<WebSocket> sockets,
      CompletableFuture<List<WebSocket>> done) {
    if (started.getAndIncrement() >= n) {
      return;
    }
    connectOne(peer)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.completeExceptionally(
                    new IllegalStateException(peer.label + ": connect failed", ar.cause()));
                return;
              }
              sockets.add(ar.result());
              if (sockets.size() == n) {
                done.complete(sockets);
              } else {
                connectNext(peer, n, started, sockets, done);
              }
            });
  }

  private Future<WebSocket> connectOne(Peer peer) {
    return wsClient
        .connect(
            new WebSocketConnectOptions()
                .setHost("127.0.0.1")
                .setPort(peer.wsPort)
                .setURI(peer.path))
        .compose(
            ws -> {
              Promise<WebSocket> ready = Promise.promise();
              ws.frameHandler(frame -> onFrame(frame, ws, ready));
              ws.exceptionHandler(e -> ready.tryFail(e));
              if (peer.subscribe != null) {
                ws.writeTextMessage(peer.subscribe);
              }
              if (!peer.awaitsReady) {
                ready.tryComplete(ws);
              }
              return ready.future();
            });
  }

  private void onFrame(WebSocketFrame frame, WebSocket ws, Promise<WebSocket> ready) {
    if (!frame.isText() && !frame.isBinary()) {
      return;
    }
    Buffer data = frame.binaryData();
    long[] v = BenchPayload.parse(data);
    if (v == null) {
      // the subscription is live: legacy "ready", or the JSON-RPC answer to core.subscribe
      String text = ready.future().isComplete() ? "" : data.toString();
      if (text.contains("\"ready\"") || text.contains("\"result\"")) {
        ready.tryComplete(ws);
      }
      return;
    }
    RunStats stats = current;
    if (stats != null && v[1] == stats.run) {
      stats.record(v[0], v[2], System.nanoTime());
    }
  }

  /**
   * Closes the sockets and waits (up to 60 s) until they are closed: their descriptors are free.
   */
  void closeAll(List<WebSocket> sockets) throws Exception {
    Future<?> all = onLoop(() -> Future.join(sockets.stream().map(ws -> ws.close()).toList()));
    all.toCompletionStage().toCompletableFuture().handle((v, e) -> null).get(60, TimeUnit.SECONDS);
  }

  /**
   * Records what the subscribers receive of run {@code stats.run} while {@code start} runs and
   * until {@code untilNanos} (plus 400 ms for the last deliveries).
   */
  <S extends RunStats> S record(S stats, java.util.concurrent.Callable<?> start, long untilNanos)
      throws Exception {
    onLoop(() -> current = stats);
    start.call();
    sleepUntil(untilNanos);
    Thread.sleep(400);
    onLoop(
        () -> {
          current = null;
          return null;
        });
    return stats;
  }

  // --- one measurement ---

  Point measure(Peer peer, int n, int delivered, long warm, long window, boolean keep)
      throws Exception {
    double eventRate = (double) delivered / n;
    long run = ++runIds;
    long t0 = System.nanoTime();
    RunStats stats = new RunStats(run, t0 + warm * 1_000_000, t0 + (warm + window) * 1_000_000);
    onLoop(() -> current = stats);
    peer.startRun(run, eventRate, warm + window);
    sleepUntil(t0 + warm * 1_000_000);
    Sample a = sample(peer);
    Map<String, Long> threadsA = threads ? threadNanos(peer) : null;
    sleepUntil(t0 + (warm + window) * 1_000_000);
    Sample b = sample(peer);
    Map<String, Long> threadsB = threads ? threadNanos(peer) : null;
    Thread.sleep(window == 0 ? 200 : 400);
    RunStats done =
        onLoop(
            () -> {
              current = null;
              return stats;
            });
    Thread.sleep(200);
    if (!keep) {
      return null;
    }
    Point p = new Point(peer.label, peer.isHerald, n, delivered, done, a, b, window);
    if (threads) {
      StringBuilder t = new StringBuilder();
      long[] compilerNs = {0};
      threadsB.forEach(
          (name, ns) -> {
            long d = ns - threadsA.getOrDefault(name, 0L);
            if (name.contains("Compiler")) {
              compilerNs[0] += d;
            }
            if (done.inWindow > 0 && d * 100 > (b.serverNs - a.serverNs)) {
              t.append(String.format(Locale.ROOT, " %s=%.2f", name, d / 1000.0 / done.inWindow));
            }
          });
      log("%-16s   us/msg by thread:%s", peer.label, t);
      p.jitUsPerMsg = done.inWindow == 0 ? Double.NaN : compilerNs[0] / 1000.0 / done.inWindow;
    }
    log(
        "%-16s N=%-5d %6d/s  delivered %7.0f/s  server %5.1f us/msg (%4.1f%% core, ~%2.0f%% sys)  gen %4.1f%%  "
            + "p50 %6.2f ms  p99 %6.2f ms  loss %.2f%%  other %4.1f%%",
        peer.label,
        n,
        delivered,
        p.deliveredPerSec,
        p.serverUsPerMsg,
        p.serverCorePct,
        p.sysPct,
        p.genCorePct,
        p.p50,
        p.p99,
        p.lossPct,
        p.foreignPct);
    return p;
  }

  /**
   * JIT warm-up, once, unrecorded: each peer in turn gets 10 subscribers and 4,000 events a second
   * (40k msgs/s) in 2.5 s rounds until its JIT compiler threads use less than 3 % of its CPU (at
   * most BENCH_WARMUP_MS). The high event rate matters: at the measured rates (5 to 200 events a
   * second) the per-event code (JSON encoding, the event bus) would reach C2's thresholds only
   * minutes into the run, and a JVM pinned to one core has a single C2 thread, whose bursts (up to
   * half a second for one method) would land in the windows.
   */
  void warmUp(List<Peer> warming) throws Exception {
    for (Peer peer : warming) {
      List<WebSocket> sockets = connect(peer, 10);
      JitRounds r = untilJitQuiet(peer, 4000, warmupMs);
      log(
          "%-16s JIT warm-up: %d x 2.5 s (compiler threads at %.1f%% of its CPU in the last)",
          peer.label, r.rounds, r.share);
      closeAll(sockets);
    }
    Thread.sleep(2500);
  }

  /**
   * Before the measured points of an N: a short run of every peer at once with the N subscribers;
   * then each peer alone at the last rate, in 2.5 s rounds, until its JIT compiler threads use less
   * than 3 % of its CPU (at most BENCH_SETTLE_MS, default 20 s; one round for a peer without a
   * JIT). The warm-up's 10 subscribers leave profiles that N subscribers change, and C2 recompiling
   * in a window would be counted as cost per message (up to 4.8 µs/msg in one window at N=1000).
   */
  void settle(List<Peer> batch, int n, int lastRate) throws Exception {
    double rate = Math.min(lastRate, 40_000.0 / batch.size()) / n;
    for (Peer peer : batch) {
      peer.startRun(++runIds, rate, 2500);
    }
    Thread.sleep(2800);
    for (Peer peer : batch) {
      JitRounds r = untilJitQuiet(peer, (double) lastRate / n, settleMs);
      if (r.rounds > 1) {
        log(
            "%-16s N=%-5d settled: %d x 2.5 s (compiler threads at %.1f%% of its CPU in the last)",
            peer.label, n, r.rounds, r.share);
      }
    }
  }

  /** How many rounds it took, and the compiler threads' share of the last (%). */
  record JitRounds(int rounds, double share) {}

  /**
   * 2.5 s rounds of {@code peer} publishing {@code eventRate} events a second, until its JIT
   * compiler threads use less than 3 % of its CPU in one, or {@code budgetMs} is spent.
   */
  JitRounds untilJitQuiet(Peer peer, double eventRate, long budgetMs) throws Exception {
    long deadline = System.nanoTime() + budgetMs * 1_000_000;
    int rounds = 0;
    double share;
    do {
      Map<String, Long> before = threadNanos(peer);
      peer.startRun(++runIds, eventRate, 2500);
      Thread.sleep(2800);
      share = compilerShare(before, threadNanos(peer));
      rounds++;
    } while (share >= 3 && System.nanoTime() < deadline);
    return new JitRounds(rounds, share);
  }

  static double compilerShare(Map<String, Long> a, Map<String, Long> b) {
    long total = 0;
    long compiler = 0;
    for (Map.Entry<String, Long> e : b.entrySet()) {
      long d = e.getValue() - a.getOrDefault(e.getKey(), 0L);
      total += d;
      if (e.getKey().contains("Compiler")) {
        compiler += d;
      }
    }
    return total == 0 ? 0 : 100.0 * compiler / total;
  }

  Sample sample(Peer peer) throws Exception {
    Sample s = new Sample();
    s.nanos = System.nanoTime();
    for (long pid : peer.pids()) {
      long[] t = procTicks(pid);
      s.serverUser += t[0];
      s.serverSys += t[1];
      s.serverNs += runNanos(pid);
    }
    long self = ProcessHandle.current().pid();
    long[] g = procTicks(self);
    s.gen = g[0] + g[1];
    s.genNs = runNanos(self);
    for (Peer other : peers) {
      for (long pid : other.pids()) {
        long[] t = procTicks(pid);
        s.allPeers += t[0] + t[1];
      }
    }
    s.machineBusy = machineBusyTicks();
    s.extra = peer.extraSample();
    return s;
  }

  static long[] procTicks(long pid) throws IOException {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[21])};
    } catch (java.nio.file.NoSuchFileException gone) {
      return new long[3];
    }
  }

  /**
   * CPU time of a process in ns: the sum over its threads of the scheduler's exact run time
   * (/proc/PID/task/TID/schedstat), finer than the 10 ms ticks of /proc/PID/stat.
   */
  static long runNanos(long pid) {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String line = Files.readString(task.resolve("schedstat"));
          sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException gone) {
      return 0;
    }
    return sum;
  }

  /** CPU ns of the server's threads by name (BENCH_THREADS=1). */
  static Map<String, Long> threadNanos(Peer peer) throws IOException {
    Map<String, Long> byName = new java.util.TreeMap<>();
    for (long pid : peer.pids()) {
      try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          try {
            String name =
                Files.readString(task.resolve("comm")).trim().replaceAll("[#-]?\\d+$", "");
            String line = Files.readString(task.resolve("schedstat"));
            byName.merge(name, Long.parseLong(line.substring(0, line.indexOf(' '))), Long::sum);
          } catch (IOException | RuntimeException gone) {
            // the thread ended meanwhile
          }
        }
      }
    }
    return byName;
  }

  /** Busy ticks of the whole machine (all cores): everything but idle and iowait. */
  static long machineBusyTicks() throws IOException {
    String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
    String[] f = line.trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < f.length && i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }

  // --- report ---

  void report(String loadBefore, String loadAfter, long seconds) throws IOException {
    StringBuilder o = new StringBuilder();
    o.append("\n=== Herald fan-out benchmark (W1), ")
        .append(ZonedDateTime.now().withNano(0))
        .append(" ===\n");
    o.append("machine: ")
        .append(cpuModel())
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" core(s) visible to the generator; server pinned to cpu 0, generator to cpu 1\n");
    o.append("loadavg before: ")
        .append(loadBefore)
        .append("   after: ")
        .append(loadAfter)
        .append("   run took ")
        .append(seconds)
        .append(" s\n");
    o.append(
        String.format(
            Locale.ROOT,
            "event ~%d bytes (Herald frame); warm-up %d ms, window %d ms, %d repetitions, "
                + "medians [min-max]%n",
            BenchPayload.frame(99, 123456789, 1234567890123456L).encode().length(),
            warmMs,
            measureMs,
            reps));
    o.append(
        "server us/msg = CPU time of the server process(es) (sum of its threads' schedstat run time) / messages "
            + "delivered in the window; core% = the same, % of its core; gen% = generator CPU, % of its core;\n"
            + "other% = machine CPU (/proc/stat) used by no benchmark process during the window, % of one core (of 200)\n\n");
    o.append(
        String.format(
            Locale.ROOT,
            "%-16s %5s %7s %10s %22s %7s %6s %8s %8s %8s %6s %6s%n",
            "peer",
            "N",
            "target",
            "deliv/s",
            "server us/msg",
            "core%",
            "gen%",
            "p50 ms",
            "p99 ms",
            "p99.9",
            "loss%",
            "other%"));
    for (int n : loadNs()) {
      for (int rate : ratesOf(n)) {
        for (Peer peer : peers) {
          List<Point> ps = select(peer.label, n, rate);
          if (ps.isEmpty()) {
            continue;
          }
          double[] cpu = ps.stream().mapToDouble(p -> p.serverUsPerMsg).toArray();
          boolean genSaturated = ps.stream().anyMatch(p -> p.genCorePct > 90);
          boolean behind =
              median(ps, p -> p.deliveredPerSec) < 0.97 * rate || median(ps, p -> p.lossPct) > 1;
          o.append(
              String.format(
                  Locale.ROOT,
                  "%-16s %5d %7d %10.0f %22s %7.1f %6.1f %8.2f %8.2f %8.2f %6.2f %6.1f%s%n",
                  peer.label,
                  n,
                  rate,
                  median(ps, p -> p.deliveredPerSec),
                  spread(cpu),
                  median(ps, p -> p.serverCorePct),
                  median(ps, p -> p.genCorePct),
                  median(ps, p -> p.p50),
                  median(ps, p -> p.p99),
                  median(ps, p -> p.p999),
                  median(ps, p -> p.lossPct),
                  median(ps, p -> p.foreignPct),
                  genSaturated
                      ? "  GENERATOR SATURATED: invalid"
                      : behind ? "  fell behind (CPU/msg not comparable)" : ""));
        }
      }
      o.append('\n');
    }
    o.append(
        "Memory per idle subscribed connection (server side; RSS delta / N, heap after GC delta / N):\n");
    o.append(
        String.format(
            Locale.ROOT,
            "%-16s %5s %12s %14s %12s %10s%n",
            "peer",
            "N",
            "RSS KB/conn",
            "heap KB/conn",
            "connect ms",
            "RSS MB"));
    for (Map.Entry<String, Map<Integer, long[]>> e : memory.entrySet()) {
      for (Map.Entry<Integer, long[]> m : e.getValue().entrySet()) {
        long[] v = m.getValue();
        o.append(
            String.format(
                Locale.ROOT,
                "%-16s %5d %12.1f %14s %12d %10.0f%n",
                e.getKey(),
                m.getKey(),
                v[0] / 1024.0 / m.getKey(),
                v[1] == Long.MIN_VALUE
                    ? "-"
                    : String.format(Locale.ROOT, "%.1f", v[1] / 1024.0 / m.getKey()),
                v[2],
                v[3] / 1048576.0));
      }
    }
    o.append("\nRatios Herald / peer (medians; CPU per delivered message, and p99 latency):\n");
    o.append(
        String.format(
            Locale.ROOT,
            "%-16s %-16s %5s %7s %12s %10s%n",
            "herald",
            "peer",
            "N",
            "target",
            "CPU/msg x",
            "p99 x"));
    for (Peer h : peers) {
      if (!h.isHerald) {
        continue;
      }
      for (Peer peer : peers) {
        if (peer.isHerald) {
          continue;
        }
        for (int n : loadNs()) {
          for (int rate : ratesOf(n)) {
            List<Point> hs = select(h.label, n, rate);
            List<Point> ps = select(peer.label, n, rate);
            if (hs.isEmpty() || ps.isEmpty()) {
              continue;
            }
            o.append(
                String.format(
                    Locale.ROOT,
                    "%-16s %-16s %5d %7d %12.2f %10.2f%n",
                    h.label,
                    peer.label,
                    n,
                    rate,
                    median(hs, p -> p.serverUsPerMsg) / median(ps, p -> p.serverUsPerMsg),
                    median(hs, p -> p.p99) / median(ps, p -> p.p99)));
          }
        }
      }
    }
    o.append(sections);
    o.append("\nloadavg before: ").append(loadBefore).append("   after: ").append(loadAfter);
    o.append("\n\n").append(targets.summary(this));
    System.out.print(o);
    System.out.flush();
  }

  List<Integer> loadNs() {
    return loads.stream().map(Load::n).distinct().toList();
  }

  List<Integer> ratesOf(int n) {
    return loads.stream().filter(l -> l.n() == n).map(Load::rate).distinct().toList();
  }

  List<Point> select(String label, int n, int rate) {
    return points.stream()
        .filter(p -> p != null && p.peer.equals(label) && p.n == n && p.target == rate)
        .toList();
  }

  static double median(List<Point> ps, java.util.function.ToDoubleFunction<Point> f) {
    double[] v = ps.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static String spread(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", med, s[0], s[s.length - 1]);
  }

  static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  // --- plumbing ---

  void stopAll() {
    for (Peer peer : peers) {
      peer.stop();
    }
  }

  <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          try {
            f.complete(task.call());
          } catch (Throwable e) {
            f.completeExceptionally(e);
          }
        });
    return f.get(30, TimeUnit.SECONDS);
  }

  String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        control.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " -> " + r.statusCode());
    }
    return r.body();
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long ms = (nanos - System.nanoTime()) / 1_000_000;
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  static List<String> words(String text) {
    return Arrays.stream(text.split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[bench] " + format + "%n", args);
  }

  // --- measurements ---

  static final class Sample {
    long nanos;
    long serverUser;
    long serverSys;
    long gen;
    long serverNs;
    long genNs;
    long allPeers;
    long machineBusy;

    /** A peer's own counters ({@link Peer#extraSample}), or null. */
    long[] extra;
  }

  /** What the generator saw of one run; touched on the generator's event loop only. */
  static class RunStats {
    final long run;
    final long winStart;
    final long winEnd;
    final Histogram latencyUs = new Histogram(60_000_000L, 3);
    long inWindow;
    long minSeq = Long.MAX_VALUE;
    long maxSeq = -1;

    RunStats(long run, long winStart, long winEnd) {
      this.run = run;
      this.winStart = winStart;
      this.winEnd = winEnd;
    }

    void record(long seq, long sent, long now) {
      if (sent >= winStart && sent < winEnd) {
        inWindow++;
        latencyUs.recordValue(Math.min(60_000_000L, Math.max(0, (now - sent) / 1000)));
        minSeq = Math.min(minSeq, seq);
        maxSeq = Math.max(maxSeq, seq);
      }
    }
  }

  static final class Point {
    final String peer;
    final int n;
    final int target;
    final double deliveredPerSec;
    final double serverUsPerMsg;
    final double serverCorePct;
    final double sysPct;
    final double genCorePct;
    final double foreignPct;
    final double p50;
    final double p99;
    final double p999;
    final double lossPct;
    final Sample a;
    final Sample b;
    final RunStats stats;

    /**
     * The JIT compiler threads' CPU in the window per delivered message (BENCH_THREADS=1), else
     * NaN; 0 for a peer without a JIT.
     */
    double jitUsPerMsg = Double.NaN;

    Point(
        String peer,
        boolean herald,
        int n,
        int target,
        RunStats s,
        Sample a,
        Sample b,
        long windowMs) {
      this.peer = peer;
      this.n = n;
      this.target = target;
      this.a = a;
      this.b = b;
      this.stats = s;
      double wallS = (b.nanos - a.nanos) / 1e9;
      long serverTicks = b.serverUser + b.serverSys - a.serverUser - a.serverSys;
      this.deliveredPerSec = s.inWindow / (windowMs / 1000.0);
      long serverNs = b.serverNs - a.serverNs;
      this.serverUsPerMsg = s.inWindow == 0 ? Double.NaN : serverNs / 1000.0 / s.inWindow;
      this.serverCorePct = serverNs / 1e9 / wallS * 100;
      this.sysPct = serverTicks == 0 ? 0 : 100.0 * (b.serverSys - a.serverSys) / serverTicks;
      this.genCorePct = (b.genNs - a.genNs) / 1e9 / wallS * 100;
      long ours = (b.allPeers - a.allPeers) + (b.gen - a.gen);
      this.foreignPct =
          Math.max(0, (b.machineBusy - a.machineBusy - ours)) / (double) CLK_TCK / wallS * 100;
      this.p50 = s.latencyUs.getValueAtPercentile(50) / 1000.0;
      this.p99 = s.latencyUs.getValueAtPercentile(99) / 1000.0;
      this.p999 = s.latencyUs.getValueAtPercentile(99.9) / 1000.0;
      long expected = s.maxSeq < 0 ? 0 : (s.maxSeq - s.minSeq + 1) * (long) n;
      this.lossPct = expected == 0 ? 100 : 100.0 * Math.max(0, expected - s.inWindow) / expected;
    }
  }

  // --- peers ---

  /** A server under test, pinned to cpu 0, with its publisher driven through a control port. */
  static class Peer {
    final FanoutBench bench;
    final String label;
    final boolean isHerald;
    final String path;
    final String subscribe;
    final boolean awaitsReady;
    final long settleMs;
    final int wsPort;
    final int controlPort;
    final List<String> command = new ArrayList<>();
    final Map<String, String> environment = new LinkedHashMap<>();
    Process process;

    Peer(
        FanoutBench bench,
        String label,
        boolean isHerald,
        String path,
        String subscribe,
        boolean awaitsReady,
        long settleMs)
        throws IOException {
      this(bench, label, isHerald, path, subscribe, awaitsReady, settleMs, freePort(), freePort());
    }

    Peer(
        FanoutBench bench,
        String label,
        boolean isHerald,
        String path,
        String subscribe,
        boolean awaitsReady,
        long settleMs,
        int wsPort,
        int controlPort) {
      this.bench = bench;
      this.label = label;
      this.isHerald = isHerald;
      this.path = path;
      this.subscribe = subscribe;
      this.awaitsReady = awaitsReady;
      this.settleMs = settleMs;
      this.wsPort = wsPort;
      this.controlPort = controlPort;
    }

    static Peer of(String name, FanoutBench bench) throws Exception {
      String herald = "{\"msg\":\"sub\",\"id\":\"b\",\"name\":\"" + BenchPayload.EVENT + "\"}";
      return switch (name) {
        case "herald" -> heraldPeer(bench, "herald", false, herald);
        case "herald-cluster" -> heraldPeer(bench, "herald-cluster", true, herald);
        case "herald-jsonrpc" ->
            // The same node, its subscribers on JSON-RPC 2.0 (/api/current): collection_update
            // notifications, the legacy frame wrapped once per event loop.
            heraldPeer(
                bench,
                "herald-jsonrpc",
                false,
                "/api/current",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"core.subscribe\",\"params\":[\""
                    + BenchPayload.EVENT
                    + "\"]}");
        case "herald-nio" -> {
          // A/B of the transport: Herald on Java NIO instead of Netty's native epoll.
          Peer p = heraldPeer(bench, "herald-nio", false, herald);
          p.environment.put("HERALD_HTTP_NATIVE_TRANSPORT", "false");
          yield p;
        }
        case "herald-framed" -> {
          // A/B of the shared-frame path: Vert.x's per-socket frame encoding for every socket.
          yield heraldPeer(bench, "herald-framed", false, herald)
              .withJvmOption("-Dio.herald.session.perSocketFrames=true");
        }
        case "herald-base" -> {
          // A/B across builds: Herald from BENCH_BASE_CLASSES (another checkout's target/classes,
          // e.g. main before a change) in place of this build's classes, the rest alike.
          Path base = Path.of(env("BENCH_BASE_CLASSES", "")).toAbsolutePath();
          if (!Files.isDirectory(base.resolve("io/herald"))) {
            throw new IllegalArgumentException(
                "herald-base needs BENCH_BASE_CLASSES, a built target/classes (" + base + ")");
          }
          Peer p = heraldPeer(bench, "herald-base", false, herald);
          int cp = p.command.indexOf("-cp") + 1;
          p.command.set(
              cp,
              Arrays.stream(p.command.get(cp).split(File.pathSeparator))
                  .map(e -> e.equals("target/classes") ? base.toString() : e)
                  .collect(Collectors.joining(File.pathSeparator)));
          yield p;
        }
        case "herald-g1", "herald-parallel", "herald-serial", "herald-shenandoah", "herald-zgc" ->
            gcPeer(bench, name, herald);
        case "herald-nometrics" -> {
          // A/B of the node's metrics: Herald with Vert.x's Micrometer metrics off.
          Peer p = heraldPeer(bench, "herald-nometrics", false, herald);
          p.environment.put("HERALD_METRICS_ENABLED", "false");
          yield p;
        }
        case "raw" ->
            jvm(
                new Peer(bench, "raw-vertx", false, "/ws", null, false, 200),
                RawBroadcastPeer.class);
        case "raw-epoll", "raw-io_uring" -> {
          Peer p =
              jvm(new Peer(bench, name, false, "/ws", null, false, 200), RawBroadcastPeer.class);
          p.environment.put("BENCH_TRANSPORT", name.substring(4));
          yield p;
        }
        case "sockjs" ->
            jvm(
                new Peer(
                    bench,
                    "sockjs-bridge",
                    false,
                    "/eventbus/websocket",
                    "{\"type\":\"register\",\"address\":\""
                        + BenchPayload.EVENT
                        + "\",\"headers\":{}}",
                    false,
                    1500),
                SockJsBridgePeer.class);
        case "ws" -> NodePeer.create(bench);
        case "nchan" -> NchanPeer.create(bench);
        default ->
            throw new IllegalArgumentException(
                "unknown peer "
                    + name
                    + " (known: herald, herald-base, herald-cluster, herald-jsonrpc, herald-nio, herald-nometrics, herald-framed, herald-g1, herald-parallel,"
                    + " herald-serial, herald-shenandoah, herald-zgc, raw, raw-epoll, raw-io_uring, sockjs, ws, nchan)");
      };
    }

    /**
     * The herald peer with one collector, {@code -XX:+Use<GC>GC} (pinned to one CPU the JVM would
     * pick Serial); null when this JDK has not that collector.
     */
    static Peer gcPeer(FanoutBench bench, String name, String sub) throws Exception {
      String flag = "-XX:+Use" + GC_FLAGS.get(name) + "GC";
      Process check = new ProcessBuilder(JAVA, flag, "-version").redirectErrorStream(true).start();
      check.getInputStream().readAllBytes();
      if (check.waitFor() != 0) {
        return null;
      }
      return heraldPeer(bench, name, false, sub).withJvmOption(flag);
    }

    /** This peer with one more JVM option, right after {@code java}. */
    Peer withJvmOption(String option) {
      command.add(command.indexOf(JAVA) + 1, option);
      return this;
    }

    static Peer heraldPeer(FanoutBench bench, String label, boolean clustered, String sub)
        throws IOException {
      return heraldPeer(bench, label, clustered, "/websocket", sub);
    }

    static Peer heraldPeer(
        FanoutBench bench, String label, boolean clustered, String path, String sub)
        throws IOException {
      Peer p = new Peer(bench, label, true, path, sub, true, 0);
      p.command.addAll(
          List.of(
              "taskset",
              "-c",
              "0",
              JAVA,
              "-Xmx256m",
              "--add-modules",
              "java.se",
              "--add-exports",
              "java.base/jdk.internal.ref=ALL-UNNAMED",
              "--add-opens",
              "java.base/java.lang=ALL-UNNAMED",
              "--add-opens",
              "java.base/sun.nio.ch=ALL-UNNAMED",
              "--add-opens",
              "java.management/sun.management=ALL-UNNAMED",
              "--add-opens",
              "jdk.management/com.sun.management.internal=ALL-UNNAMED"));
      p.command.addAll(words(env("BENCH_JAVA_OPTS", "").replace("{peer}", p.label)));
      p.command.addAll(
          List.of("-cp", System.getProperty("java.class.path"), "io.herald.node.Main"));
      p.environment.put("HERALD_HTTP_PORT", Integer.toString(p.wsPort));
      p.environment.put("HERALD_HTTP_HOST", "127.0.0.1");
      p.environment.put("HERALD_DATA_DIR", bench.out.resolve("data-" + label).toString());
      p.environment.put("HERALD_CLUSTER_ENABLED", Boolean.toString(clustered));
      p.environment.put("HERALD_CLUSTER_NAME", "bench-" + ProcessHandle.current().pid());
      p.environment.put("HERALD_VERTICLES", HeraldBenchPublisher.class.getName());
      // The peers serve anonymous subscribers (nchan has no login either): same work per message.
      p.environment.put("HERALD_AUTH_ANONYMOUS_ROLES", "FULL_ADMIN");
      // Every subscriber of the harness comes from 127.0.0.1: lift the per-address connection cap.
      p.environment.put("HERALD_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "1000000");
      // The harness's sockets never talk after subscribing: keep them (pongs aside) past Herald's
      // 60 s.
      p.environment.put("HERALD_WS_IDLE_TIMEOUT_MS", "3600000");
      p.environment.put("HERALD_LOG_LEVEL", "WARN");
      return p;
    }

    static Peer jvm(Peer p, Class<?> main) {
      p.command.addAll(List.of("taskset", "-c", "0", JAVA, "-Xmx256m"));
      p.command.addAll(words(env("BENCH_JAVA_OPTS", "").replace("{peer}", p.label)));
      p.command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
      return p;
    }

    void launch(Path logs) throws Exception {
      environment.put("BENCH_WS_PORT", Integer.toString(wsPort));
      environment.put("BENCH_CONTROL_PORT", Integer.toString(controlPort));
      ProcessBuilder b =
          new ProcessBuilder(command)
              .directory(ROOT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve(label + ".log").toFile());
      b.environment().putAll(environment);
      process = b.start();
      awaitPort(wsPort);
      awaitPort(controlPort);
    }

    void awaitPort(int port) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline) {
        if (process != null && !process.isAlive()) {
          throw new IllegalStateException(
              label + " exited, see its log under " + bench.out.resolve("logs"));
        }
        try (Socket ignored = new Socket("127.0.0.1", port)) {
          return;
        } catch (IOException notYet) {
          Thread.sleep(100);
        }
      }
      throw new IllegalStateException(label + " did not open port " + port);
    }

    List<Long> pids() {
      return List.of(process.pid());
    }

    /**
     * Polls a Herald node's {@code GET /ready} every 10 ms; the System.nanoTime() it answered 200.
     */
    long awaitReady() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      HttpRequest ready =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + wsPort + "/ready"))
              .timeout(Duration.ofSeconds(2))
              .build();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(label + " exited, see its log");
        }
        try {
          if (bench.control.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode()
              == 200) {
            return System.nanoTime();
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(10);
      }
      throw new IllegalStateException(label + " not ready within 90 s");
    }

    long rss() throws IOException {
      long rss = 0;
      for (long pid : pids()) {
        rss += procTicks(pid)[2] * PAGE;
      }
      return rss;
    }

    void startRun(long run, double rate, long ms) throws Exception {
      bench.get(controlPort, "/run?id=" + run + "&rate=" + rate + "&ms=" + ms);
    }

    long heapAfterGc() throws Exception {
      return new JsonObject(bench.get(controlPort, "/gc")).getLong("heap");
    }

    /** Counters of the peer's own taken with each CPU sample (the cluster hop's wire bytes). */
    long[] extraSample() throws Exception {
      return null;
    }

    void stop() {
      if (process == null) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Peer "node ws": src/bench/node/ws-peer.js on the npm package ws (installed by scripts/bench).
   */
  static final class NodePeer extends Peer {

    NodePeer(FanoutBench bench) throws IOException {
      super(bench, "node-ws", false, "/", null, false, 200);
    }

    static Peer create(FanoutBench bench) throws IOException {
      Path modules = ROOT.resolve(env("BENCH_NODE_MODULES", "target/bench/node/node_modules"));
      if (!Files.isDirectory(modules.resolve("ws")) || !onPath("node")) {
        return null;
      }
      NodePeer p = new NodePeer(bench);
      p.command.addAll(
          List.of(
              "taskset",
              "-c",
              "0",
              "node",
              "--expose-gc",
              ROOT.resolve("src/bench/node/ws-peer.js").toString()));
      p.environment.put("NODE_PATH", modules.toString());
      return p;
    }
  }

  /**
   * Peer "nginx + nchan": one worker process; subscribers on the websocket location, the publisher
   * is the generator itself (HTTP POST of the frame to the publisher location, on the same
   * open-loop schedule), so its publishing cost lands in the generator's CPU, and the server's CPU
   * is the master's plus the worker's.
   */
  static final class NchanPeer extends Peer {
    private Schedule schedule;
    private List<Long> pids;

    NchanPeer(FanoutBench bench) throws IOException {
      super(bench, "nginx-nchan", false, "/sub", null, false, 300);
    }

    static Peer create(FanoutBench bench) throws IOException {
      Path module = Path.of("/usr/lib/nginx/modules/ngx_nchan_module.so");
      if (!Files.exists(module) || !onPath("nginx")) {
        return null;
      }
      NchanPeer p = new NchanPeer(bench);
      Path dir = bench.out.resolve("nginx").toAbsolutePath();
      Files.createDirectories(dir.resolve("logs"));
      Files.writeString(
          dir.resolve("nginx.conf"),
          String.join(
              "\n",
              "load_module " + module + ";",
              "daemon off;",
              "master_process on;",
              "worker_processes 1;",
              "user root;",
              "pid " + dir.resolve("nginx.pid") + ";",
              "error_log " + dir.resolve("logs/error.log") + " warn;",
              "events { worker_connections 20000; }",
              "http {",
              "  access_log off;",
              "  client_body_temp_path " + dir.resolve("tmp") + ";",
              "  nchan_shared_memory_size 64M;",
              "  server {",
              "    listen 127.0.0.1:" + p.wsPort + " backlog=4096;",
              "    location = /pub { nchan_publisher; nchan_channel_id " + BenchPayload.EVENT + ";",
              "      nchan_message_buffer_length 16; nchan_message_timeout 10s; }",
              "    location = /sub { nchan_subscriber websocket; nchan_channel_id "
                  + BenchPayload.EVENT
                  + ";",
              "      nchan_subscriber_first_message newest; }",
              "  }",
              "}",
              ""));
      p.command.addAll(
          List.of(
              "taskset",
              "-c",
              "0",
              "nginx",
              "-p",
              dir.toString(),
              "-c",
              dir.resolve("nginx.conf").toString(),
              "-e",
              dir.resolve("logs/error.log").toString()));
      return p;
    }

    @Override
    void launch(Path logs) throws Exception {
      ProcessBuilder b =
          new ProcessBuilder(command)
              .directory(ROOT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve(label + ".log").toFile());
      process = b.start();
      awaitPort(wsPort);
      Thread.sleep(300);
      List<Long> all = new ArrayList<>();
      all.add(process.pid());
      process.children().forEach(c -> all.add(c.pid()));
      pids = all;
      bench.onLoop(
          () ->
              schedule =
                  new Schedule(
                      bench.vertx,
                      (run, seq, t) ->
                          bench
                              .httpClient
                              .request(HttpMethod.POST, wsPort, "127.0.0.1", "/pub")
                              .compose(req -> req.send(BenchPayload.frame(seq, run, t).toBuffer()))
                              .compose(resp -> resp.body())
                              .onFailure(e -> log("nchan publish failed: %s", e))));
    }

    @Override
    List<Long> pids() {
      return pids;
    }

    @Override
    void startRun(long run, double rate, long ms) throws Exception {
      bench.onLoop(
          () -> {
            schedule.start(run, rate, ms);
            return null;
          });
    }

    @Override
    long heapAfterGc() {
      return -1;
    }
  }

  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}

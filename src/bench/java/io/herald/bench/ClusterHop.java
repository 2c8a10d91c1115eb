package io.herald.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Target 5, the cluster hop: two Herald node processes, A and B, in a cluster of their own, both
 * pinned to cpu 0 (as the standalone peer, the server side has one core; the generator keeps cpu
 * 1). A publishes (the run goes to A's control port only; B's publisher is never started), the
 * BENCH_HOP_N (1000) subscribers are on B, BENCH_HOP_RATE (20,000) delivered msgs/s. Measured
 * interleaved with the warmed standalone {@code herald} peer at the same N and rate: the added p50
 * and p99. On the wire: the bytes A sent B over the clustered event bus's TCP connections during
 * each window ({@code ss}: what B's bus port received, plus what A's bus port sent to B) per event
 * A published, and the Hazelcast member traffic (both ways) apart.
 */
final class ClusterHop {

  private final FanoutBench bench;
  private final int n = Integer.parseInt(FanoutBench.env("BENCH_HOP_N", "1000"));
  private final int rate = Integer.parseInt(FanoutBench.env("BENCH_HOP_RATE", "20000"));

  ClusterHop(FanoutBench bench) {
    this.bench = bench;
  }

  /**
   * Peer {@code herald-hop}: subscribers connect to B, runs start on A, its CPU is A's plus B's,
   * its heap B's.
   */
  static final class HopPeer extends FanoutBench.Peer {
    final FanoutBench.Peer a;
    final FanoutBench.Peer b;
    final int[] hz;
    final int[] bus;

    HopPeer(FanoutBench bench, FanoutBench.Peer a, FanoutBench.Peer b, int[] hz, int[] bus) {
      super(bench, "herald-hop", true, b.path, b.subscribe, true, 0, b.wsPort, a.controlPort);
      this.a = a;
      this.b = b;
      this.hz = hz;
      this.bus = bus;
    }

    static HopPeer create(FanoutBench bench) throws Exception {
      String sub = "{\"msg\":\"sub\",\"id\":\"b\",\"name\":\"" + BenchPayload.EVENT + "\"}";
      int[] hz = memberPorts();
      int[] bus = {FanoutBench.freePort(), FanoutBench.freePort()};
      String members = "127.0.0.1:" + hz[0] + ",127.0.0.1:" + hz[1];
      List<FanoutBench.Peer> nodes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        FanoutBench.Peer node =
            FanoutBench.Peer.heraldPeer(bench, "herald-hop-" + "ab".charAt(i), true, sub);
        node.environment.put("HERALD_CLUSTER_NAME", "bench-hop-" + ProcessHandle.current().pid());
        node.environment.put("HERALD_CLUSTER_MEMBERS", members);
        node.environment.put("HERALD_CLUSTER_PORT", Integer.toString(hz[i]));
        node.environment.put("HERALD_CLUSTER_BUS_PORT", Integer.toString(bus[i]));
        nodes.add(node);
      }
      return new HopPeer(bench, nodes.get(0), nodes.get(1), hz, bus);
    }

    /** Hazelcast member ports away from the ephemeral range and from 5701.. (other clusters'). */
    static int[] memberPorts() {
      int[] ports = new int[2];
      for (int i = 0; i < 2; ) {
        int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
        try (ServerSocket ignored = new ServerSocket(port)) {
          if (i == 0 || ports[0] != port) {
            ports[i++] = port;
          }
        } catch (IOException taken) {
          // another
        }
      }
      return ports;
    }

    @Override
    void launch(java.nio.file.Path logs) throws Exception {
      a.launch(logs);
      a.awaitReady();
      b.launch(logs);
      b.awaitReady();
      process = b.process;
    }

    @Override
    List<Long> pids() {
      return List.of(a.process.pid(), b.process.pid());
    }

    @Override
    long heapAfterGc() throws Exception {
      return b.heapAfterGc();
    }

    /** {events A published, bus bytes A -> B, Hazelcast bytes both ways}. */
    @Override
    long[] extraSample() throws Exception {
      long published = new JsonObject(bench.get(a.controlPort, "/stats")).getLong("published");
      long busAtoB = 0;
      long members = 0;
      for (SocketStats.End e : SocketStats.all()) {
        if (e.localPort() == bus[1] && e.peerPort() > 0) {
          busAtoB += e.bytesReceived();
        } else if (e.localPort() == bus[0] && e.peerPort() > 0) {
          busAtoB += e.bytesAcked();
        } else if ((e.localPort() == hz[0] || e.localPort() == hz[1]) && e.peerPort() > 0) {
          members += e.bytesReceived() + e.bytesAcked();
        }
      }
      return new long[] {published, busAtoB, members};
    }

    @Override
    void stop() {
      a.stop();
      b.stop();
    }
  }

  void run() throws Exception {
    FanoutBench.Peer herald = bench.peer("herald");
    HopPeer hop = HopPeer.create(bench);
    long t0 = System.nanoTime();
    hop.launch(bench.out.resolve("logs"));
    bench.peers.add(hop);
    FanoutBench.log("herald-hop: A and B ready in %d ms", (System.nanoTime() - t0) / 1_000_000);
    bench.warmUp(List.of(hop));
    List<FanoutBench.Peer> batch = herald == null ? List.of(hop) : List.of(herald, hop);
    List<FanoutBench.Point> ps = bench.measureInterleaved(batch, n, List.of(rate));
    List<FanoutBench.Point> hs = ps.stream().filter(p -> p.peer.equals(hop.label)).toList();
    bench.points.addAll(hs);
    hop.stop();
    report(hs, ps.stream().filter(p -> herald != null && p.peer.equals(herald.label)).toList());
  }

  private void report(List<FanoutBench.Point> hs, List<FanoutBench.Point> standalone) {
    StringBuilder o = bench.sections;
    int payload = BenchPayload.frame(99, 123456789, 1234567890123456L).encode().length();
    o.append(
        String.format(
            Locale.ROOT,
            "%nTarget 5, cluster hop (publisher on A, N=%d subscribers on B, %d msgs/s; A and B on cpu 0):%n",
            n,
            rate));
    double[] perEvent = new double[hs.size()];
    for (int i = 0; i < hs.size(); i++) {
      FanoutBench.Point p = hs.get(i);
      long events = p.b.extra[0] - p.a.extra[0];
      long bus = p.b.extra[1] - p.a.extra[1];
      long members = p.b.extra[2] - p.a.extra[2];
      perEvent[i] = events == 0 ? Double.NaN : (double) bus / events;
      o.append(
          String.format(
              Locale.ROOT,
              "  window %d: %d events published on A; bus A->B %d bytes = %.0f bytes/event"
                  + " (%.2f x the %d-byte event); Hazelcast both ways %d bytes (%.1f/event)%n",
              i + 1,
              events,
              bus,
              perEvent[i],
              perEvent[i] / payload,
              payload,
              members,
              events == 0 ? Double.NaN : (double) members / events));
    }
    double hopP50 = FanoutBench.median(hs, p -> p.p50);
    double hopP99 = FanoutBench.median(hs, p -> p.p99);
    java.util.Arrays.sort(perEvent);
    double copies = perEvent[perEvent.length / 2] / payload;
    o.append(
        String.format(Locale.ROOT, "  herald-hop  p50 %.2f ms  p99 %.2f ms%n", hopP50, hopP99));
    bench.targets.measured("hop-copies", copies, 2);
    if (standalone.isEmpty()) {
      o.append("  (no standalone herald peer in the run: added latency not measured)\n");
      return;
    }
    double p50 = FanoutBench.median(standalone, p -> p.p50);
    double p99 = FanoutBench.median(standalone, p -> p.p99);
    o.append(
        String.format(
            Locale.ROOT,
            "  herald      p50 %.2f ms  p99 %.2f ms  (interleaved)   added p50 %+.2f ms, p99 %+.2f ms%n",
            p50,
            p99,
            hopP50 - p50,
            hopP99 - p99));
    bench.targets.measured("hop-p50", hopP50 - p50, 1);
    bench.targets.measured("hop-p99", hopP99 - p99, 5);
  }
}

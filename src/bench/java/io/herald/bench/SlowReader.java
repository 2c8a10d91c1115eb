package io.herald.bench;

import io.vertx.core.http.WebSocket;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Target 6, one slow reader: BENCH_SLOW_N - 1 (99) subscribers on a warmed peer at the event rate
 * of BENCH_SLOW_RATE (20,000) delivered msgs/s at N, measured {@code reps} times without and then
 * with one more subscriber that never reads its socket (a plain socket with a 4 KB receive buffer:
 * the websocket handshake and the subscription, then nothing). Reported: the others' p99 both ways,
 * the server's heap after GC and RSS before and after, and what became of the slow reader: when the
 * server closed its end (polled with {@code ss}; publishing goes on until then, at most
 * BENCH_SLOW_MAX_MS after it subscribed) and the close code it sent (read afterwards). For every
 * peer of the run in BENCH_SLOW_PEERS (herald, herald-cluster, node-ws, nginx-nchan).
 */
final class SlowReader {

  private final FanoutBench bench;
  private final int n = Integer.parseInt(FanoutBench.env("BENCH_SLOW_N", "100"));
  private final int rate = Integer.parseInt(FanoutBench.env("BENCH_SLOW_RATE", "20000"));
  private final long maxMs = Long.parseLong(FanoutBench.env("BENCH_SLOW_MAX_MS", "90000"));
  private final List<String> labels =
      FanoutBench.list(
          FanoutBench.env("BENCH_SLOW_PEERS", "herald,herald-cluster,node-ws,nginx-nchan"));

  SlowReader(FanoutBench bench) {
    this.bench = bench;
  }

  /** The subscriber that does not read: a raw socket, watched from a thread of its own. */
  static final class Stalled implements AutoCloseable {
    final Socket socket;
    final int serverPort;
    final long subscribed;
    volatile long closedAt;
    volatile boolean watching = true;
    final Thread watcher;

    Stalled(FanoutBench.Peer peer) throws IOException {
      socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", peer.wsPort), 10_000);
      serverPort = peer.wsPort;
      handshake(peer);
      subscribed = System.nanoTime();
      watcher = new Thread(this::watch, "slow-reader-watch");
      watcher.setDaemon(true);
    }

    /**
     * Starts polling the server's end with {@code ss}: only after the measured windows, as each
     * poll is a process started on the generator's core, which would show in the others' latency.
     */
    void startWatching() {
      watcher.start();
    }

    private void handshake(FanoutBench.Peer peer) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + peer.path
                  + " HTTP/1.1\r\nHost: 127.0.0.1:"
                  + peer.wsPort
                  + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("closed during the handshake: " + head);
        }
        head.append((char) b);
      }
      if (!head.toString().startsWith("HTTP/1.1 101")) {
        throw new IOException("handshake refused: " + head);
      }
      if (peer.subscribe != null) {
        byte[] text = peer.subscribe.getBytes(StandardCharsets.UTF_8);
        // A masked text frame (mask key 0: the payload goes as is); text.length < 126.
        out.write(new byte[] {(byte) 0x81, (byte) (0x80 | text.length), 0, 0, 0, 0});
        out.write(text);
      }
      out.flush();
    }

    /** Every 250 ms: is the server's end of the connection still established? */
    private void watch() {
      while (watching && closedAt == 0) {
        try {
          String state = SocketStats.state(serverPort, socket.getLocalPort());
          if (state == null || !state.startsWith("ESTAB")) {
            closedAt = System.nanoTime();
          }
          Thread.sleep(250);
        } catch (Exception e) {
          return;
        }
      }
    }

    /** Reads what is queued for it; {bytes read, close code or -1}. */
    long[] drain() throws IOException {
      socket.setSoTimeout(3000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      long bytes = 0;
      try {
        while (true) {
          int b0 = in.readUnsignedByte();
          long len = in.readUnsignedByte() & 0x7f;
          bytes += 2;
          if (len == 126) {
            len = in.readUnsignedShort();
            bytes += 2;
          } else if (len == 127) {
            len = in.readLong();
            bytes += 8;
          }
          byte[] payload = in.readNBytes((int) len);
          bytes += payload.length;
          if ((b0 & 0x0f) == 8) {
            return new long[] {
              bytes, len >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 0
            };
          }
        }
      } catch (EOFException | SocketTimeoutException end) {
        return new long[] {bytes, -1};
      } catch (IOException reset) {
        return new long[] {bytes, -2};
      }
    }

    @Override
    public void close() throws IOException {
      watching = false;
      socket.close();
    }
  }

  void run() throws Exception {
    bench.sections.append(
        String.format(
            Locale.ROOT,
            "%nTarget 6, one slow reader among %d subscribers (%d msgs/s at N=%d; the others' latency):%n",
            n,
            rate,
            n));
    for (String label : labels) {
      FanoutBench.Peer peer = bench.peer(label);
      if (peer != null) {
        runOn(peer);
      }
    }
  }

  private void runOn(FanoutBench.Peer peer) throws Exception {
    List<WebSocket> sockets = bench.connect(peer, n - 1);
    // the event rate of N subscribers, delivered to the N - 1 that read
    int delivered = rate / n * (n - 1);
    bench.settle(List.of(peer), n - 1, delivered);
    List<FanoutBench.Point> without = measure(peer, delivered);
    long heap0 = peer.heapAfterGc();
    long rss0 = peer.rss();
    List<FanoutBench.Point> with;
    long heap1;
    long rss1;
    String fate;
    try (Stalled slow = new Stalled(peer)) {
      with = measure(peer, delivered);
      slow.startWatching();
      if (peer.isHerald) {
        holdUntilClosed(peer, slow, (double) rate / n);
      }
      rss1 = peer.rss();
      heap1 = peer.heapAfterGc();
      fate = fate(slow);
      if (peer.isHerald) {
        // the close frame is queued behind what the reader never took: the node's count tells
        long closes = slowConsumerCloses(peer);
        fate += String.format(Locale.ROOT, "; the node counted %d close(s) with 4001", closes);
        if (peer.label.equals("herald")) {
          boolean closed = fate.startsWith("closed");
          bench.targets.verdict(
              "slow-closed",
              closed && closes > 0 ? "4001" : closed ? "closed" : "open",
              closed && closes > 0);
        }
      }
    }
    bench.closeAll(sockets);
    double p99a = FanoutBench.median(without, p -> p.p99);
    double p99b = FanoutBench.median(with, p -> p.p99);
    bench.sections.append(
        String.format(
            Locale.ROOT,
            "%-16s others' p99 %.2f ms without, %.2f ms with (%.2fx); p50 %.2f / %.2f ms;"
                + " heap after GC %s; RSS %.0f -> %.0f MB%n  slow reader: %s%n",
            peer.label,
            p99a,
            p99b,
            p99b / p99a,
            FanoutBench.median(without, p -> p.p50),
            FanoutBench.median(with, p -> p.p50),
            heap0 < 0
                ? "-"
                : String.format(
                    Locale.ROOT, "%.1f -> %.1f MB", heap0 / 1048576.0, heap1 / 1048576.0),
            rss0 / 1048576.0,
            rss1 / 1048576.0,
            fate));
    if (peer.label.equals("herald")) {
      bench.targets.measured("slow-p99", p99b / p99a, 1.2);
    }
    Thread.sleep(1000);
  }

  /**
   * On a Herald peer, publishing goes on at the same event rate until the server closed the slow
   * reader or BENCH_SLOW_MAX_MS (90 s) after it subscribed: at 60 KB/s the kernel's socket buffers
   * on loopback (up to 4 MB, tcp_wmem) take a minute to fill before Herald's pending limit counts.
   */
  private void holdUntilClosed(FanoutBench.Peer peer, Stalled slow, double eventRate)
      throws Exception {
    long until = slow.subscribed + maxMs * 1_000_000;
    while (slow.closedAt == 0 && System.nanoTime() < until) {
      peer.startRun(++bench.runIds, eventRate, 1000);
      Thread.sleep(1000);
    }
  }

  private List<FanoutBench.Point> measure(FanoutBench.Peer peer, int delivered) throws Exception {
    List<FanoutBench.Point> ps = new ArrayList<>();
    for (int rep = 0; rep < bench.reps; rep++) {
      ps.add(bench.measure(peer, n - 1, delivered, bench.warmMs, bench.measureMs, true));
    }
    return ps;
  }

  /** {@code herald_disconnects_total{code="4001"}} of a Herald peer's /metrics (-1: unread). */
  private long slowConsumerCloses(FanoutBench.Peer peer) {
    try {
      for (String line : bench.get(peer.wsPort, "/metrics").split("\n")) {
        if (line.startsWith("herald_disconnects_total{") && line.contains("code=\"4001\"")) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return 0;
    } catch (Exception e) {
      return -1;
    }
  }

  private static String fate(Stalled slow) throws IOException {
    long closedAt = slow.closedAt;
    long open = (System.nanoTime() - slow.subscribed) / 1_000_000;
    long[] drained = slow.drain();
    String code =
        drained[1] == -1 ? "no close frame" : drained[1] == -2 ? "reset" : "code " + drained[1];
    if (closedAt == 0) {
      return String.format(
          Locale.ROOT, "still open after %d ms (%d bytes were queued for it)", open, drained[0]);
    }
    return String.format(
        Locale.ROOT,
        "closed %d ms after subscribing, %s (%d bytes read from it afterwards)",
        (closedAt - slow.subscribed) / 1_000_000,
        code,
        drained[0]);
  }
}

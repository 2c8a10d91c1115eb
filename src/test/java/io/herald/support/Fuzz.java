package io.herald.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Hostile clients, for FuzzIT (a bounded property-based run) and {@code scripts/fuzz} (a long one):
 * jqwik generators of messages and of whole client behaviours ({@link Action}), a {@link Runner}
 * that plays them against a node over raw sockets and counts what happens, and a {@link
 * WellBehaved} subscriber that checks it still receives every event of {@link TickPublisher}, in
 * order, meanwhile.
 */
public final class Fuzz {

  private Fuzz() {}

  /**
   * The node settings of the fuzz runs (FuzzIT and scripts/fuzz), as dotted keys: the defaults,
   * with shorter times so that what they bound happens within a run.
   */
  public static JsonObject nodeSettings() {
    return new JsonObject()
        .put("http.handshake-timeout-ms", 1000)
        .put("limits.rate-limit-close-after-ms", 1000)
        // The shipped rate limit (the tests' nodes are otherwise generous): floods must meet it.
        .put("limits.messages-per-second", 100)
        .put("limits.message-burst", 200)
        .put("ws.idle-timeout-ms", 5000)
        .put("ws.ping-interval-ms", 1000)
        .put("jobs.history-size", 100);
  }

  // --- what is generated ---

  /** One client's behaviour: played by {@link Runner#play}. */
  public sealed interface Action {}

  /**
   * Upgrades, sends {@code texts} (each as one text frame, or fragmented in frames of {@code
   * fragment} bytes when it is positive), then reads the answers until its last ping's pong.
   */
  public record Messages(List<String> texts, int fragment) implements Action {}

  /** Upgrades and sends raw bytes as one frame of {@code opcode}: binary, invalid UTF-8, huge. */
  public record RawFrame(int opcode, byte[] payload) implements Action {}

  /** Upgrades and sends {@code count} pings as fast as it can, reading nothing until the end. */
  public record Flood(int count) implements Action {}

  /** Subscribes to sources and everything, makes calls, then vanishes with a TCP reset. */
  public record Vanish(List<String> texts) implements Action {}

  /** Opens a TCP connection and sends part of an upgrade request, a byte at a time, slowly. */
  public record SlowHandshake(int bytes, int everyMs) implements Action {}

  /** Opens a TCP connection and sends nothing at all. */
  public record HalfOpen() implements Action {}

  private static final String[] EVENTS = {
    "*",
    "core.get_jobs",
    "alert.list",
    "cluster.nodes",
    TickPublisher.EVENT,
    "reporting.realtime",
    "filesystem.file_tail_follow",
    "nope.nothing",
    "*:x",
    ""
  };

  private static final String[] METHODS = {
    "core.ping",
    "core.get_events",
    "core.get_jobs",
    "core.job_abort",
    "core.job_wait",
    "core.bulk",
    "cluster.nodes",
    "alert.list",
    "nope.nothing",
    "core",
    ""
  };

  /** JSON string contents: ASCII, any BMP character, escapes, lone surrogates as escapes. */
  static Arbitrary<String> stringContent() {
    return Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars("._-:*/ ").ofMaxLength(20),
        Arbitraries.strings().all().ofMaxLength(8).map(Fuzz::escape),
        Arbitraries.of("\\ud800", "\\udfff", "\\ud83d\\ude00", "\\u0000", "\\\\", "\\\"", "é€😀"));
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\' || c < 0x20 || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static Arbitrary<String> string() {
    return stringContent().map(s -> "\"" + s + "\"");
  }

  /** Number literals, huge and tiny included. */
  static Arbitrary<String> number() {
    return Arbitraries.oneOf(
        Arbitraries.integers().map(String::valueOf),
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.doubles().map(String::valueOf),
        Arbitraries.of(
            "99999999999999999999999",
            "-99999999999999999999999",
            "1e400",
            "-1e400",
            "1e-400",
            "9007199254740993",
            "0.0",
            "-0",
            "1.5",
            "1E2"));
  }

  /** JSON text of any value, nested at most {@code depth} deep. */
  static Arbitrary<String> value(int depth) {
    Arbitrary<String> leaf =
        Arbitraries.oneOf(string(), number(), Arbitraries.of("true", "false", "null"));
    if (depth <= 0) {
      return leaf;
    }
    Arbitrary<String> array =
        Arbitraries.lazy(() -> value(depth - 1))
            .list()
            .ofMaxSize(4)
            .map(items -> "[" + String.join(",", items) + "]");
    Arbitrary<String> object =
        Combinators.combine(string(), Arbitraries.lazy(() -> value(depth - 1)))
            .as((k, v) -> k + ":" + v)
            .list()
            .ofMaxSize(4)
            .map(entries -> "{" + String.join(",", entries) + "}");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, leaf),
        net.jqwik.api.Tuple.of(1, array),
        net.jqwik.api.Tuple.of(1, object));
  }

  private static Arbitrary<String> id() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 50).map(String::valueOf)),
        net.jqwik.api.Tuple.of(4, string()),
        net.jqwik.api.Tuple.of(1, value(2)));
  }

  /** A sub's name: an event, maybe with an argument (a JSON text, or not). */
  private static Arbitrary<String> subName() {
    Arbitrary<String> event = Arbitraries.of(EVENTS);
    Arbitrary<String> argument =
        Arbitraries.oneOf(
            Arbitraries.integers().between(1, 40).map(i -> "{\\\"interval\\\":" + i + "}"),
            Arbitraries.integers()
                .between(0, 3000)
                .map(i -> "{\\\"path\\\":\\\"/var/log/syslog\\\",\\\"tail_lines\\\":" + i + "}"),
            stringContent(),
            Arbitraries.integers().between(1, 3000).map(n -> "[".repeat(n) + "]".repeat(n)));
    return Combinators.combine(event, argument.optional())
        .as((e, a) -> "\"" + e + a.map(x -> ":" + x).orElse("") + "\"");
  }

  /** Params of a call: mostly plausible, often wrong. */
  private static Arbitrary<String> params() {
    return Arbitraries.oneOf(
        Arbitraries.just("[]"),
        value(3).list().ofMaxSize(3).map(items -> "[" + String.join(",", items) + "]"),
        Arbitraries.of(
            "[99999999999999999999999]",
            "[1.5]",
            "[-1]",
            "[\"core.ping\",[[],[],[]]]",
            "[\"core.bulk\",[[\"core.ping\",[[]]]]]",
            "[[[\"state\",\"~\",\"(.*a){12}$\"]]]",
            "[[[\"method\",\"C~\",\"^core\"]],{\"count\":true}]",
            "[[[\"OR\",[[\"id\",\">\",1],[\"state\",\"in\",[\"FAILED\"]]]]],{\"order_by\":[\"-id\"],\"limit\":2}]"),
        value(2));
  }

  /** A message: a plausible one of each kind, then mutations of every sort. */
  public static Arbitrary<String> message() {
    Arbitrary<String> sub =
        Combinators.combine(id(), subName(), Arbitraries.of("", ",\"snapshot\":true"))
            .as((i, n, s) -> "{\"msg\":\"sub\",\"id\":" + i + ",\"name\":" + n + s + "}");
    Arbitrary<String> unsub = id().map(i -> "{\"msg\":\"unsub\",\"id\":" + i + "}");
    Arbitrary<String> method =
        Combinators.combine(id(), Arbitraries.of(METHODS), params())
            .as(
                (i, m, p) ->
                    "{\"msg\":\"method\",\"id\":"
                        + i
                        + ",\"method\":\""
                        + m
                        + "\",\"params\":"
                        + p
                        + "}");
    Arbitrary<String> ping = id().map(i -> "{\"msg\":\"ping\",\"id\":" + i + "}");
    Arbitrary<String> connect =
        value(1).map(v -> "{\"msg\":\"connect\",\"version\":" + v + ",\"support\":[\"1\"]}");
    Arbitrary<String> anything = value(3);
    Arbitrary<String> wrongTypes =
        Combinators.combine(
                Arbitraries.of("msg", "id", "name", "method", "params", "snapshot", "version"),
                value(2),
                Arbitraries.of("sub", "unsub", "method", "ping", "connect", "nope"))
            .as((k, v, m) -> "{\"msg\":\"" + m + "\",\"" + k + "\":" + v + "}");
    Arbitrary<String> deep =
        Arbitraries.integers()
            .between(20, 20_000)
            .map(
                n ->
                    "{\"msg\":\"method\",\"id\":1,\"method\":\"core.get_jobs\",\"params\":"
                        + "[".repeat(n)
                        + "]".repeat(n)
                        + "}");
    Arbitrary<String> duplicateKeys =
        id().map(i -> "{\"msg\":\"ping\",\"msg\":\"sub\",\"id\":" + i + ",\"id\":" + i + "}");
    Arbitrary<String> plausible = Arbitraries.oneOf(sub, unsub, method, ping, connect);
    Arbitrary<String> truncated =
        Combinators.combine(plausible, Arbitraries.integers().between(1, 30))
            .as((m, cut) -> m.substring(0, Math.max(1, m.length() - cut)));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(30, plausible),
        net.jqwik.api.Tuple.of(6, wrongTypes),
        net.jqwik.api.Tuple.of(4, anything),
        net.jqwik.api.Tuple.of(3, deep),
        net.jqwik.api.Tuple.of(2, duplicateKeys),
        net.jqwik.api.Tuple.of(1, truncated));
  }

  /** A client's behaviour. */
  public static Arbitrary<Action> action() {
    Arbitrary<Action> messages =
        Combinators.combine(
                message().list().ofMinSize(1).ofMaxSize(60),
                Arbitraries.of(0, 0, 0, 1, 7, 64, 1000))
            .as(Messages::new);
    Arbitrary<Action> raw =
        Arbitraries.oneOf(
            Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(300)
                .map(b -> new RawFrame(RawWebSocket.OP_BINARY, b)),
            Arbitraries.of(
                new RawFrame(
                    RawWebSocket.OP_TEXT,
                    new byte[] {
                      '{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'
                    }),
                new RawFrame(RawWebSocket.OP_TEXT, new byte[] {(byte) 0xC3, (byte) 0x28}),
                new RawFrame(RawWebSocket.OP_TEXT, new byte[70_000]),
                new RawFrame(
                    RawWebSocket.OP_CONTINUATION, "\"stray\"".getBytes(StandardCharsets.UTF_8)),
                new RawFrame(0x3, new byte[] {1, 2, 3}),
                new RawFrame(RawWebSocket.OP_PING, new byte[200])));
    Arbitrary<Action> flood = Arbitraries.integers().between(100, 3000).map(Flood::new);
    Arbitrary<Action> vanish = message().list().ofMinSize(1).ofMaxSize(30).map(Vanish::new);
    Arbitrary<Action> slow =
        Combinators.combine(
                Arbitraries.integers().between(1, 40), Arbitraries.integers().between(50, 300))
            .as(SlowHandshake::new);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(20, messages),
        net.jqwik.api.Tuple.of(4, raw),
        net.jqwik.api.Tuple.of(2, flood),
        net.jqwik.api.Tuple.of(3, vanish),
        net.jqwik.api.Tuple.of(1, slow),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new HalfOpen())));
  }

  // --- playing it ---

  /** What the runs saw. Thread-safe. */
  public static final class Stats {
    public final LongAdder messages = new LongAdder();
    public final LongAdder frames = new LongAdder();
    public final LongAdder connections = new LongAdder();
    public final LongAdder replies = new LongAdder();
    public final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();

    void count(String kind) {
      kinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The kinds seen, sorted: {@code close 1003}, {@code error:ETOOMANYREFS}, ... */
    public Map<String, Long> kinds() {
      Map<String, Long> sorted = new TreeMap<>();
      kinds.forEach((k, v) -> sorted.put(k, v.sum()));
      return sorted;
    }
  }

  /**
   * Plays actions against a node's port; background actions (slow handshakes) end by themselves.
   */
  public static final class Runner {
    private final int port;
    public final Stats stats;
    private final List<Thread> background = new ArrayList<>();

    public Runner(int port) {
      this(port, new Stats());
    }

    /** A runner counting into {@code stats}, which several runners may share. */
    public Runner(int port, Stats stats) {
      this.port = port;
      this.stats = stats;
    }

    public void play(Action action) {
      stats.connections.increment();
      try {
        if (action instanceof Messages m) {
          messages(m);
        } else if (action instanceof RawFrame r) {
          raw(r);
        } else if (action instanceof Flood f) {
          flood(f);
        } else if (action instanceof Vanish v) {
          vanish(v);
        } else if (action instanceof SlowHandshake s) {
          slow(s);
        } else {
          halfOpen();
        }
      } catch (UncheckedIOException e) {
        stats.count("client io: " + e.getCause().getClass().getSimpleName());
      }
    }

    /** Waits for the background actions to end (the node closes them). */
    public void finish() throws InterruptedException {
      synchronized (background) {
        for (Thread t : background) {
          t.join(30_000);
        }
        background.clear();
      }
    }

    private RawWebSocket upgrade() {
      try {
        return RawWebSocket.connect(port);
      } catch (UncheckedIOException e) {
        if (e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains(" 429")) {
          stats.count("http 429");
        }
        throw e;
      }
    }

    private void send(RawWebSocket ws, String text, int fragment) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      stats.messages.increment();
      if (fragment <= 0 || bytes.length <= fragment) {
        ws.sendFrame(RawWebSocket.OP_TEXT, bytes);
        stats.frames.increment();
        return;
      }
      for (int at = 0; at < bytes.length; at += fragment) {
        int end = Math.min(bytes.length, at + fragment);
        byte[] part = java.util.Arrays.copyOfRange(bytes, at, end);
        ws.sendFrame(end == bytes.length, at == 0 ? RawWebSocket.OP_TEXT : 0, part);
        stats.frames.increment();
      }
    }

    private void messages(Messages m) {
      try (RawWebSocket ws = upgrade()) {
        try {
          for (String text : m.texts()) {
            send(ws, text, m.fragment());
          }
          send(ws, "{\"msg\":\"ping\",\"id\":\"fuzz-end\"}", 0);
        } catch (UncheckedIOException closedWhileSending) {
          stats.count("client: closed while sending");
        }
        readUntilEnd(ws, 10_000);
      }
    }

    /** Reads and counts until the end ping's pong, a close, or {@code ms} of silence. */
    private void readUntilEnd(RawWebSocket ws, int ms) {
      try {
        ws.socket().setSoTimeout(ms);
        while (true) {
          RawWebSocket.Frame frame = ws.nextFrame();
          if (frame.opcode() == RawWebSocket.OP_CLOSE) {
            stats.count("close " + frame.closeCode());
            return;
          }
          if (frame.opcode() != RawWebSocket.OP_TEXT) {
            continue;
          }
          stats.replies.increment();
          JsonObject reply = new JsonObject(frame.text());
          String kind = kind(reply);
          if (kind != null) {
            stats.count(kind);
          }
          if ("pong".equals(reply.getString("msg")) && "fuzz-end".equals(reply.getValue("id"))) {
            return;
          }
        }
      } catch (UncheckedIOException e) {
        stats.count(
            e.getCause() instanceof SocketTimeoutException
                ? "client: silence (end ping refused)"
                : "client: connection ended without close frame");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The kind of an answer worth counting: the errors, by name or reason. */
    private static String kind(JsonObject reply) {
      String msg = reply.getString("msg");
      if ("error".equals(msg)) {
        String reason = reply.getString("reason", "");
        return "error: "
            + (reason.startsWith("Rate limit") ? "rate limit" : reason.replaceAll("'.*'", "'...'"))
                .replaceAll("\\d+", "N");
      }
      JsonObject error = reply.getJsonObject("error");
      if (error != null) {
        return msg + " " + error.getString("errname");
      }
      return null;
    }

    private void raw(RawFrame r) {
      try (RawWebSocket ws = upgrade()) {
        try {
          ws.sendFrame(r.opcode(), r.payload());
          stats.frames.increment();
          send(ws, "{\"msg\":\"ping\",\"id\":\"fuzz-end\"}", 0);
        } catch (UncheckedIOException closedWhileSending) {
          stats.count("client: closed while sending");
        }
        readUntilEnd(ws, 10_000);
      }
    }

    private void flood(Flood f) {
      try (RawWebSocket ws = upgrade()) {
        try {
          byte[] ping = "{\"msg\":\"ping\",\"id\":\"f\"}".getBytes(StandardCharsets.UTF_8);
          for (int i = 0; i < f.count(); i++) {
            ws.sendFrame(RawWebSocket.OP_TEXT, ping);
            stats.messages.increment();
            stats.frames.increment();
          }
          send(ws, "{\"msg\":\"ping\",\"id\":\"fuzz-end\"}", 0);
        } catch (UncheckedIOException closedWhileSending) {
          stats.count("client: closed while sending");
        }
        readUntilEnd(ws, 500);
      }
    }

    private void vanish(Vanish v) {
      RawWebSocket ws = upgrade();
      try {
        for (String text : v.texts()) {
          send(ws, text, 0);
        }
        send(ws, "{\"msg\":\"sub\",\"id\":\"rt\",\"name\":\"reporting.realtime\"}", 0);
      } catch (UncheckedIOException closedWhileSending) {
        stats.count("client: closed while sending");
      }
      ws.reset();
      stats.count("client: TCP reset");
    }

    private void slow(SlowHandshake s) {
      Thread t =
          new Thread(
              () -> {
                try (Socket socket = new Socket("127.0.0.1", port)) {
                  socket.setSoTimeout(s.everyMs());
                  OutputStream out = socket.getOutputStream();
                  InputStream in = socket.getInputStream();
                  byte[] request =
                      ("GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                              + "Connection: Upgrade\r\nX-Padding: "
                              + "x".repeat(200))
                          .getBytes(StandardCharsets.US_ASCII);
                  long start = System.nanoTime();
                  for (int i = 0; i < s.bytes() && i < request.length; i++) {
                    out.write(request[i]);
                    try {
                      if (in.read() < 0) {
                        break;
                      }
                    } catch (SocketTimeoutException stillOpen) {
                      // as expected while the request is incomplete
                    }
                  }
                  socket.setSoTimeout(30_000);
                  while (in.read() >= 0) {
                    // the node answers nothing before the request is complete
                  }
                  stats.count(
                      (System.nanoTime() - start) / 1_000_000 < 30_000
                          ? "slow handshake closed by the node"
                          : "slow handshake NOT closed in 30 s");
                } catch (IOException e) {
                  stats.count("slow handshake closed by the node");
                }
              },
              "fuzz-slow-handshake");
      t.setDaemon(true);
      synchronized (background) {
        background.add(t);
      }
      t.start();
    }

    private void halfOpen() {
      slow(new SlowHandshake(0, 100));
    }
  }

  // --- the client that behaves ---

  /**
   * Subscribes to {@link TickPublisher#EVENT} and checks every event arrives, in order: each
   * publication's {@code seq} is the previous one's plus one.
   */
  public static final class WellBehaved implements AutoCloseable {
    private final WebSocketClient client;
    private final WebSocket ws;
    public final AtomicLong received = new AtomicLong();
    public final AtomicLong lost = new AtomicLong();
    public final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong last = new AtomicLong(-1);
    private volatile Short closed;

    public WellBehaved(Vertx vertx, int port) {
      client = vertx.createWebSocketClient();
      ws =
          TestNodes.await(
              client.connect(
                  new WebSocketConnectOptions()
                      .setPort(port)
                      .setHost("127.0.0.1")
                      .setURI("/websocket")));
      java.util.concurrent.CompletableFuture<Void> ready =
          new java.util.concurrent.CompletableFuture<>();
      ws.closeHandler(v -> closed = ws.closeStatusCode());
      ws.textMessageHandler(
          text -> {
            JsonObject m = new JsonObject(text);
            if ("ready".equals(m.getString("msg"))) {
              ready.complete(null);
            }
            if (!TickPublisher.EVENT.equals(m.getString("collection"))) {
              return;
            }
            long seq = m.getJsonObject("fields").getLong("seq");
            long previous = last.getAndSet(seq);
            received.incrementAndGet();
            if (previous >= 0 && seq != previous + 1) {
              if (seq > previous) {
                lost.addAndGet(seq - previous - 1);
              } else {
                outOfOrder.incrementAndGet();
              }
            }
          });
      TestNodes.await(
          ws.writeTextMessage(
              "{\"msg\":\"sub\",\"id\":\"ticks\",\"name\":\"" + TickPublisher.EVENT + "\"}"));
      try {
        ready.get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the well-behaved subscriber got no ready", e);
      }
    }

    /** The close code, if the node closed it (it never should). */
    public Short closed() {
      return closed;
    }

    @Override
    public void close() {
      TestNodes.await(ws.close());
      client.close();
    }
  }
}

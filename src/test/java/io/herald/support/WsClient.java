package io.herald.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The websocket client of the tests (and of {@code scripts/measure-cluster}): a real Vert.x
 * websocket, used from the test thread in blocking style, for everything protocol-level. What only
 * raw TCP can do (malformed frames, never reading, resets) is {@link RawWebSocket}'s.
 *
 * <p>Two ways to read what the server sent:
 *
 * <ul>
 *   <li>as a queue: {@link #next()} / {@link #next(Predicate)} take messages in order (passed-over
 *       ones are kept for later calls), {@link #skipUntil} discards up to a match;
 *   <li>as a record: every message is also kept, with its arrival time, in {@link #history()};
 *       {@link #seen(String, Predicate)} waits until the record holds a match, whether or not the
 *       queue has consumed it.
 * </ul>
 *
 * <p>Assertion failures are plain {@link AssertionError}s (no JUnit on the class path of {@code
 * scripts/measure-cluster}).
 */
public final class WsClient implements AutoCloseable {

  public static final long WAIT_MS = 10_000;

  /**
   * A message and when it arrived: {@link System#nanoTime()} and wall-clock µs ({@link
   * TickPublisher#nowMicros}).
   */
  public record Received(long nanos, long micros, JsonObject msg) {}

  private final String name;
  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final List<JsonObject> backlog = new ArrayList<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  /** Every message, in arrival order; guarded by itself, waited on for {@link #seen}. */
  private final List<Received> history = new ArrayList<>();

  private final List<String> transcript = new java.util.concurrent.CopyOnWriteArrayList<>();
  private long waitMs = WAIT_MS;
  private int autoIds;

  private WsClient(String name, WebSocketClient client, WebSocket ws) {
    this.name = name;
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(
        text -> {
          // A JSON-RPC batch's responses (an array) are queued as {"batch": [...]}.
          JsonObject message =
              text.startsWith("[")
                  ? new JsonObject().put("batch", new io.vertx.core.json.JsonArray(text))
                  : new JsonObject(text);
          Received r = new Received(System.nanoTime(), TickPublisher.nowMicros(), message);
          transcript.add(text);
          synchronized (history) {
            history.add(r);
            history.notifyAll();
          }
          received.add(r.msg());
        });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  public static WsClient connect(Vertx vertx, int port) {
    return connect(vertx, "ws:" + port, port, "/websocket");
  }

  public static WsClient connect(Vertx vertx, int port, String path) {
    return connect(vertx, "ws:" + port, port, path);
  }

  /** A client named {@code name} in failure messages. */
  public static WsClient connect(Vertx vertx, String name, int port) {
    return connect(vertx, name, port, "/websocket");
  }

  /**
   * A client with options of the test's own (e.g. TLS, for wss), named {@code name} in failure
   * messages.
   */
  public static WsClient connect(
      Vertx vertx, String name, WebSocketClientOptions options, WebSocketConnectOptions connect) {
    WebSocketClient client = vertx.createWebSocketClient(options);
    return new WsClient(name, client, TestNodes.await(client.connect(connect)));
  }

  private static WsClient connect(Vertx vertx, String name, int port, String path) {
    WebSocketClient client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxFrameSize(16 * 1024 * 1024)
                .setMaxMessageSize(16 * 1024 * 1024));
    WebSocket ws =
        TestNodes.await(
            client.connect(
                new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI(path)));
    return new WsClient(name, client, ws);
  }

  public String name() {
    return name;
  }

  /** How long each wait of this client lasts before it fails (default {@link #WAIT_MS}). */
  public WsClient waitMs(long ms) {
    this.waitMs = ms;
    return this;
  }

  // --- sending ---

  public WsClient send(JsonObject message) {
    return sendText(message.encode());
  }

  public WsClient sendText(String text) {
    TestNodes.await(ws.writeTextMessage(text));
    return this;
  }

  public WsClient sendBinary(Buffer data) {
    TestNodes.await(ws.writeBinaryMessage(data));
    return this;
  }

  // --- the queue ---

  /** The next message, failing the test when none arrives in time. */
  public JsonObject next() {
    return next(m -> true);
  }

  /**
   * The next message matching {@code filter}. Messages it passes over are kept, in order, for later
   * calls: a {@link #call} that waits for its result does not lose the events that arrived before
   * it.
   */
  public JsonObject next(Predicate<JsonObject> filter) {
    for (Iterator<JsonObject> it = backlog.iterator(); it.hasNext(); ) {
      JsonObject message = it.next();
      if (filter.test(message)) {
        it.remove();
        return message;
      }
    }
    long deadline = System.currentTimeMillis() + waitMs;
    while (System.currentTimeMillis() < deadline) {
      JsonObject message = poll(deadline - System.currentTimeMillis());
      if (message == null) {
        break;
      }
      if (filter.test(message)) {
        return message;
      }
      backlog.add(message);
    }
    throw new AssertionError(
        name + ": no matching message within " + waitMs + " ms; passed over: " + backlog);
  }

  /** The next message matching {@code filter}; every message before it is discarded. */
  public JsonObject skipUntil(Predicate<JsonObject> filter) {
    while (true) {
      JsonObject message = next();
      if (filter.test(message)) {
        return message;
      }
    }
  }

  /**
   * A bounded silence window: asserts that nothing arrives for {@code ms} (and that nothing was
   * passed over before). Only for absence; a test that waits <em>for</em> something waits on that
   * something.
   */
  public void expectSilence(long ms) {
    expectEqual(List.of(), backlog, name + ": unexpected messages");
    JsonObject message = poll(ms);
    if (message != null) {
      throw new AssertionError(name + ": unexpected message " + message.encode());
    }
  }

  /** Messages received and not yet taken from the queue. */
  public int pending() {
    return received.size() + backlog.size();
  }

  private JsonObject poll(long ms) {
    try {
      return received.poll(Math.max(0, ms), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // --- the record ---

  /** The first message received so far, or later within the wait, that matches {@code filter}. */
  public Received seen(String what, Predicate<JsonObject> filter) {
    long deadline = System.currentTimeMillis() + waitMs;
    synchronized (history) {
      int from = 0;
      while (true) {
        for (int i = from; i < history.size(); i++) {
          if (filter.test(history.get(i).msg())) {
            return history.get(i);
          }
        }
        from = history.size();
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError(
              name + ": timed out after " + waitMs + " ms waiting for " + what);
        }
        try {
          history.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /**
   * Every message received so far, with its arrival time, in order (whether or not the queue has
   * taken it).
   */
  public List<Received> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /** When {@code message} (a message this client returned) arrived. */
  public Received arrival(JsonObject message) {
    synchronized (history) {
      for (int i = history.size() - 1; i >= 0; i--) {
        if (history.get(i).msg() == message) {
          return history.get(i);
        }
      }
    }
    throw new IllegalArgumentException("not a message of " + name + ": " + message);
  }

  /**
   * Every text message received so far, as sent, in order (whether or not the test has read it).
   */
  public List<String> transcript() {
    return List.copyOf(transcript);
  }

  // --- the protocol ---

  /** Subscribes and asserts that the very next message is the {@code ready} answer. */
  public WsClient subscribe(Object id, String event) {
    send(Messages.sub(id, event));
    expectEqual(Messages.ready(id), next(), name + ": the answer to sub " + id);
    return this;
  }

  /**
   * Subscribes on a connection that already receives events: discards the events ({@code added},
   * {@code changed}, {@code removed}) that arrive meanwhile, and asserts that the first other
   * message is the {@code ready} answer.
   */
  public WsClient subscribeAmid(Object id, String event) {
    send(Messages.sub(id, event));
    JsonObject answer = skipUntil(m -> !Messages.isEvent(m));
    expectEqual(
        Messages.ready(id), answer, name + ": the answer to sub " + id + " (" + event + ")");
    return this;
  }

  /**
   * Calls a method and returns the whole {@code result} message (messages before it stay queued).
   */
  public JsonObject call(Object id, String method, JsonArray params) {
    send(Messages.method(id, method, params));
    return next(Messages.resultOf(id));
  }

  /**
   * {@link #call(Object, String, JsonArray)} with an id of this client's own ({@code "auto-<n>"}).
   */
  public JsonObject call(String method, JsonArray params) {
    return call("auto-" + (++autoIds), method, params);
  }

  /**
   * Drains what is in flight: sends a ping and discards everything up to its pong, which the server
   * sends after every message it sent before.
   */
  public WsClient sync() {
    String id = "sync-" + (++autoIds);
    send(Messages.ping(id));
    skipUntil(m -> Messages.pong(id).equals(m));
    return this;
  }

  /**
   * Asserts that nothing is queued for this client, nor on its way: the answer to a ping is the
   * very next message. The connection handles its messages in order, so every reply to an earlier
   * message comes before it.
   */
  public void assertNoMoreMessages() {
    String id = "barrier-" + (++autoIds);
    send(Messages.ping(id));
    expectEqual(Messages.pong(id), next(), name + ": no other message before the pong");
  }

  /**
   * Waits until {@code cluster.nodes} lists every node of {@code nodeIds}, without polling:
   * subscribes to it (as {@code subId}, amid other events), lists it, then waits for the {@code
   * added} of each node not listed yet (a node writes itself into the list before it announces
   * itself). The subscription stays.
   */
  public void awaitNodes(Object subId, Collection<String> nodeIds) {
    subscribeAmid(subId, "cluster.nodes");
    Set<String> missing = new HashSet<>(nodeIds);
    call("cluster.nodes", new JsonArray())
        .getJsonArray("result")
        .forEach(n -> missing.remove(((JsonObject) n).getString("id")));
    for (String node : missing) {
      seen(
          "cluster.nodes added " + node,
          m ->
              "added".equals(m.getString("msg"))
                  && "cluster.nodes".equals(m.getString("collection"))
                  && node.equals(m.getString("id")));
    }
  }

  // --- the connection ---

  /** Waits for the server to close the connection and returns the close code. */
  public short awaitClose() {
    try {
      return closed.get(waitMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(name + ": connection not closed within " + waitMs + " ms", e);
    }
  }

  /**
   * A bounded window in which the connection must stay open: fails as soon as the server closes it
   * within {@code ms}, else returns after {@code ms}.
   */
  public void expectOpenFor(long ms) {
    try {
      Short code = closed.get(ms, TimeUnit.MILLISECONDS);
      throw new AssertionError(
          name + ": closed with " + code + " within the " + ms + " ms it had to stay open");
    } catch (TimeoutException stillOpen) {
      // as expected
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  public WebSocket socket() {
    return ws;
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      TestNodes.await(ws.close());
    }
    client.close();
  }

  /** JUnit's message format, without JUnit. */
  static void expectEqual(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(
          what + " ==> expected: <" + expected + "> but was: <" + actual + ">");
    }
  }
}

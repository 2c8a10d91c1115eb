package io.herald.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real websocket client for tests, used from the test thread in blocking style. */
public final class WsClient implements AutoCloseable {

  public static final long WAIT_MS = 10_000;

  private final WebSocketClient client;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final java.util.List<JsonObject> backlog = new java.util.ArrayList<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  private final java.util.List<String> transcript = new java.util.concurrent.CopyOnWriteArrayList<>();

  private WsClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> {
      transcript.add(text);
      received.add(new JsonObject(text));
    });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  public static WsClient connect(Vertx vertx, int port) {
    return connect(vertx, port, "/websocket");
  }

  public static WsClient connect(Vertx vertx, int port, String path) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(16 * 1024 * 1024));
    WebSocket ws = TestNodes.await(client.connect(
        new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI(path)));
    return new WsClient(client, ws);
  }

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

  /** The next message, failing the test when none arrives in time. */
  public JsonObject next() {
    return next(m -> true);
  }

  /**
   * The next message matching {@code filter}. Messages it passes over are kept, in order, for later calls: a
   * {@link #call} that waits for its result does not lose the events that arrived before it.
   */
  public JsonObject next(Predicate<JsonObject> filter) {
    for (java.util.Iterator<JsonObject> it = backlog.iterator(); it.hasNext(); ) {
      JsonObject message = it.next();
      if (filter.test(message)) {
        it.remove();
        return message;
      }
    }
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (System.currentTimeMillis() < deadline) {
      try {
        JsonObject message = received.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
          break;
        }
        if (filter.test(message)) {
          return message;
        }
        backlog.add(message);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return fail("no matching message within " + WAIT_MS + " ms; passed over: " + backlog);
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

  /** Asserts that nothing arrives for {@code ms} (and that nothing was passed over before). */
  public void expectSilence(long ms) {
    assertEquals(java.util.List.of(), backlog, "unexpected messages");
    try {
      assertNull(received.poll(ms, TimeUnit.MILLISECONDS), "unexpected message");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Subscribes and asserts the {@code ready} answer. */
  public WsClient subscribe(Object id, String name) {
    send(new JsonObject().put("msg", "sub").put("id", id).put("name", name));
    JsonObject ready = next();
    assertEquals(new JsonObject().put("msg", "ready").put("subs", new io.vertx.core.json.JsonArray().add(id)), ready);
    return this;
  }

  /** Calls a method and returns the whole {@code result} message. */
  public JsonObject call(Object id, String method, io.vertx.core.json.JsonArray params) {
    send(new JsonObject().put("msg", "method").put("id", id).put("method", method).put("params", params));
    return next(m -> "result".equals(m.getString("msg")) && id.equals(m.getValue("id")));
  }

  /** Waits for the server to close the connection and returns the close code. */
  public short awaitClose() {
    try {
      return closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("connection not closed within " + WAIT_MS + " ms", e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Every text message received so far, as sent, in order (whether or not the test has read it). */
  public java.util.List<String> transcript() {
    return java.util.List.copyOf(transcript);
  }

  public int pending() {
    return received.size() + backlog.size();
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
}

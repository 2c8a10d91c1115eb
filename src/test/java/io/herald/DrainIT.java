package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.Http;
import io.herald.support.NodeProcess;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart: a node process stopped with SIGTERM closes its websockets with 1012 in batches
 * spread over {@code shutdown.drain-ms}, not all in the same instant, refuses new ones meanwhile,
 * and exits within {@code shutdown.grace-ms}.
 */
@ExtendWith(VertxExtension.class)
class DrainIT {

  static final int CLIENTS = 50;
  static final long DRAIN_MS = 2000;
  static final long GRACE_MS = 5000;

  /** When a client's socket closed ({@link System#nanoTime}) and the code of the server's close. */
  record Closed(long nanos, Short code) {}

  @Test
  void sigtermClosesTheWebsocketsInBatchesOverTheDrainPeriod(Vertx vertx, @TempDir Path dir)
      throws Exception {
    String cluster = "herald-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (NodeProcess node =
        NodeProcess.start(
            NodeProcess.freePort(),
            Map.of(
                "HERALD_CLUSTER_NAME", cluster,
                "HERALD_SHUTDOWN_DRAIN_MS", Long.toString(DRAIN_MS),
                "HERALD_SHUTDOWN_GRACE_MS", Long.toString(GRACE_MS)),
            dir)) {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
      List<CompletableFuture<Closed>> closes = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        WebSocket ws = TestNodes.await(client.connect(options(node.httpPort)));
        CompletableFuture<Closed> closed = new CompletableFuture<>();
        ws.closeHandler(v -> closed.complete(new Closed(System.nanoTime(), ws.closeStatusCode())));
        closes.add(closed);
      }
      TestNodes.eventually(
          10_000,
          CLIENTS + " connections on the node",
          () -> node.status().getInteger("connections") == CLIENTS);

      long sigterm = System.nanoTime();
      CompletableFuture<Integer> exit =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return node.terminate();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });

      // While it drains, the node refuses new websockets and is unready.
      CompletableFuture.anyOf(closes.toArray(CompletableFuture[]::new)).get(GRACE_MS, MILLIS);
      Throwable refused =
          TestNodes.await(
              client
                  .connect(options(node.httpPort))
                  .transform(ar -> Future.succeededFuture(ar.cause())));
      assertTrue(
          refused != null && refused.getMessage().contains("503"),
          "a new websocket during the drain: " + refused);
      assertEquals(503, Http.get(node.httpPort, "/ready").status(), "/ready while draining");

      List<Closed> closed = new ArrayList<>();
      for (CompletableFuture<Closed> c : closes) {
        closed.add(c.get(GRACE_MS, MILLIS));
      }
      int code = exit.get(30, TimeUnit.SECONDS);
      long exited = System.nanoTime();

      assertEquals(0, code, "exit code after SIGTERM");
      for (Closed c : closed) {
        assertEquals(Short.valueOf((short) 1012), c.code(), "every client gets 1012");
      }
      long first = closed.stream().mapToLong(Closed::nanos).min().orElseThrow();
      long last = closed.stream().mapToLong(Closed::nanos).max().orElseThrow();
      long spreadMs = TimeUnit.NANOSECONDS.toMillis(last - first);
      assertTrue(
          spreadMs >= DRAIN_MS / 2,
          "the closes are spread over the drain period: first to last " + spreadMs + " ms");
      // Evenly: about half of them in the first half of the period, never all at once.
      long half = sigterm + TimeUnit.MILLISECONDS.toNanos(DRAIN_MS / 2);
      long early = closed.stream().filter(c -> c.nanos() < half).count();
      assertTrue(
          early >= CLIENTS / 5 && early <= CLIENTS * 4 / 5,
          early + " of " + CLIENTS + " closed in the first half of the drain period");
      long instants = closed.stream().map(c -> c.nanos() / 1_000_000 / 20).distinct().count();
      assertTrue(instants >= 5, "closes fall in " + instants + " distinct 20 ms slots");
      long stopMs = TimeUnit.NANOSECONDS.toMillis(exited - sigterm);
      assertTrue(stopMs <= GRACE_MS, "the node exited " + stopMs + " ms after SIGTERM");
      String output = node.output();
      assertTrue(output.contains("draining: closing " + CLIENTS + " websocket(s)"), output);
    }
  }

  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;

  private static WebSocketConnectOptions options(int port) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/websocket");
  }
}

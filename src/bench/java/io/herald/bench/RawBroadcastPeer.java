package io.herald.bench;

import io.herald.session.TextFrames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Peer "raw Vert.x broadcast": the ceiling of this stack. Every websocket (any path) is a
 * subscriber; each event is encoded once and the same bytes are written as a text frame to every
 * socket, on the sockets' event loop. No protocol, no bus, no slow-consumer policy. Ports: {@code
 * BENCH_WS_PORT}, {@code BENCH_CONTROL_PORT}.
 */
public final class RawBroadcastPeer extends VerticleBase {

  private final Set<ServerWebSocket> sockets = new LinkedHashSet<>();

  public static void main(String[] args) {
    Vertx vertx = Vertx.builder().withTransport(transport()).build();
    if (!vertx.isNativeTransportEnabled()
        && !"nio".equals(System.getenv().getOrDefault("BENCH_TRANSPORT", "nio"))) {
      throw new IllegalStateException(
          "transport unavailable", vertx.unavailableNativeTransportCause());
    }
    vertx
        .deployVerticle(new RawBroadcastPeer())
        .onFailure(
            e -> {
              e.printStackTrace();
              System.exit(1);
            });
  }

  /**
   * BENCH_TRANSPORT: nio (default), epoll or io_uring (Netty's native transports, on the test
   * classpath).
   */
  static Transport transport() {
    return switch (System.getenv().getOrDefault("BENCH_TRANSPORT", "nio")) {
      case "epoll" -> Transport.EPOLL;
      case "io_uring" -> Transport.IO_URING;
      default -> Transport.NIO;
    };
  }

  @Override
  public Future<?> start() {
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setAcceptBacklog(4096)
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false))
        .webSocketHandler(
            ws -> {
              sockets.add(ws);
              ws.closeHandler(v -> sockets.remove(ws));
              ws.exceptionHandler(e -> sockets.remove(ws));
            })
        .listen(BenchControl.env("BENCH_WS_PORT"), "127.0.0.1")
        .compose(
            s ->
                BenchControl.serve(
                    vertx,
                    BenchControl.env("BENCH_CONTROL_PORT"),
                    (run, seq, t) -> {
                      byte[] frame =
                          BenchPayload.frame(seq, run, t).encode().getBytes(StandardCharsets.UTF_8);
                      for (ServerWebSocket ws : sockets) {
                        ws.writeFrame(TextFrames.text(frame));
                      }
                    }));
  }
}

package io.herald.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;

/**
 * Peer "Vert.x SockJS event-bus bridge" (vertx-web), the stock way to push bus messages to
 * browsers: clients connect a raw websocket to {@code /eventbus/websocket} and send {@code
 * {"type":"register","address":..}}; each registration is a bus consumer that writes {@code
 * {"type":"rec","address":..,"body":..}}. The publisher publishes the frame as a {@code JsonObject}
 * on the address. The bridge's client-ping timeout is raised to an hour (the harness sends no
 * pings). Ports: {@code BENCH_WS_PORT}, {@code BENCH_CONTROL_PORT}.
 */
public final class SockJsBridgePeer extends VerticleBase {

  public static void main(String[] args) {
    Vertx.vertx()
        .deployVerticle(new SockJsBridgePeer())
        .onFailure(
            e -> {
              e.printStackTrace();
              System.exit(1);
            });
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router
        .route("/eventbus/*")
        .subRouter(
            SockJSHandler.create(vertx)
                .bridge(
                    new SockJSBridgeOptions()
                        .addOutboundPermitted(new PermittedOptions().setAddress(BenchPayload.EVENT))
                        .setPingTimeout(3_600_000)));
    return vertx
        .createHttpServer(new HttpServerOptions().setAcceptBacklog(4096))
        .requestHandler(router)
        .listen(BenchControl.env("BENCH_WS_PORT"), "127.0.0.1")
        .compose(
            s ->
                BenchControl.serve(
                    vertx,
                    BenchControl.env("BENCH_CONTROL_PORT"),
                    (run, seq, t) ->
                        vertx
                            .eventBus()
                            .publish(BenchPayload.EVENT, BenchPayload.frame(seq, run, t))));
  }
}

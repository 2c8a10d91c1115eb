package io.herald.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;

/**
 * The control port of a JVM peer, served on the calling verticle's context (so the schedule runs
 * there): {@code GET /run?id=&rate=&ms=} starts an open-loop publishing run, {@code GET /gc}
 * collects garbage and answers {@code {"heap": used bytes}}, {@code GET /stats} answers {@code
 * {"published": n}}.
 */
public final class BenchControl {

  private BenchControl() {}

  public static Future<HttpServer> serve(Vertx vertx, int port, Schedule.Publisher publisher) {
    Schedule schedule = new Schedule(vertx, publisher);
    return vertx
        .createHttpServer()
        .requestHandler(
            req -> {
              switch (req.path()) {
                case "/run" -> {
                  schedule.start(
                      Long.parseLong(req.getParam("id")),
                      Double.parseDouble(req.getParam("rate")),
                      Long.parseLong(req.getParam("ms")));
                  req.response().end("{}");
                }
                case "/gc" -> {
                  System.gc();
                  System.gc();
                  long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                  req.response().end(new JsonObject().put("heap", heap).encode());
                }
                case "/stats" ->
                    req.response()
                        .end(new JsonObject().put("published", schedule.published()).encode());
                default -> req.response().setStatusCode(404).end();
              }
            })
        .listen(port, "127.0.0.1");
  }

  /** An integer from the environment. */
  public static int env(String name) {
    String value = System.getenv(name);
    if (value == null) {
      throw new IllegalStateException(name + " is not set");
    }
    return Integer.parseInt(value);
  }
}

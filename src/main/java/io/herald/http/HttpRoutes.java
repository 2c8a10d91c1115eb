package io.herald.http;

import io.herald.Herald;
import io.vertx.ext.web.Router;

/** Plain HTTP routes of a node. */
final class HttpRoutes {

  private HttpRoutes() {
  }

  static void mount(Router router, Herald herald) {
    router.get("/api/status").handler(ctx -> ctx.json(herald.stats().toJson()
        .put("node", herald.nodeId())));
    router.get("/api/events").handler(ctx -> ctx.json(herald.catalogue()));
  }
}

package io.herald.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/** Plain HTTP routes of a node. */
final class HttpRoutes {

  /** The HTML page loads nothing and runs nothing: inline styles only. */
  private static final String PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

  private HttpRoutes() {}

  static void mount(Router router, BridgeServices node) {
    router
        .get("/api/status")
        .handler(ctx -> ctx.json(node.stats().toJson().put("node", node.membership().nodeId())));
    OpsRoutes.mount(router, node.operations());
    // The same object as core.get_events.
    router.get("/api/events").handler(ctx -> ctx.json(node.events().catalogue()));
    // The catalogue is read per request: events registered on any node since show at once.
    router
        .get("/docs/events.md")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, EventsPage.MARKDOWN_TYPE)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .end(EventsPage.markdown(node.events().catalogue())));
    router
        .get("/docs/events")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, EventsPage.HTML_TYPE)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Content-Security-Policy", PAGE_CSP)
                    .end(EventsPage.html(EventsPage.markdown(node.events().catalogue()))));
    // The JavaScript client, for browsers and Node.js.
    router.get(ClientScript.PATH).handler(ClientScript::handle);
    // The web console: GET / and /console/*, built on herald.js.
    ConsoleAssets.mount(router);
    // Services outside the JVM publish with an API key.
    new PublishApi(node).mount(router);
  }
}

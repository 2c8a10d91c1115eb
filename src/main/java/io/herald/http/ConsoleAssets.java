package io.herald.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * The web console: {@code GET /} (src/main/resources/console/index.html) and its assets under
 * {@code /console/}. A fixed list of files, read once, each with a strong ETag; the page may run
 * only its own scripts (and herald.js), connect only to its node and to websockets (the other nodes
 * it reconnects to), and be framed by nobody.
 */
final class ConsoleAssets {

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";
  static final String CACHE_CONTROL = "no-cache";

  private record Asset(Buffer body, String type, String etag) {}

  private static final Map<String, Asset> ASSETS =
      Map.of(
          "/", asset("index.html", "text/html; charset=utf-8"),
          "/console/console.css", asset("console.css", "text/css; charset=utf-8"),
          "/console/console.js", asset("console.js", "text/javascript; charset=utf-8"),
          "/console/charts.js", asset("charts.js", "text/javascript; charset=utf-8"));

  private ConsoleAssets() {}

  static void mount(Router router) {
    ASSETS.keySet().forEach(path -> router.get(path).handler(ctx -> handle(ctx, ASSETS.get(path))));
  }

  private static void handle(RoutingContext ctx, Asset asset) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
        .putHeader(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL)
        .putHeader(HttpHeaders.ETAG, asset.etag())
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Content-Security-Policy", CSP);
    String match = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (match != null && match.contains(asset.etag())) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().end(asset.body());
  }

  private static Asset asset(String name, String type) {
    String resource = "console/" + name;
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + resource + " is missing");
      }
      byte[] body = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      String etag = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "\"";
      return new Asset(Buffer.buffer(body), type, etag);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.herald.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code GET /client/herald.js}: the JavaScript client (src/main/resources/client/herald.js), an ES
 * module for browsers and Node.js. Read once; answered with a strong ETag (its SHA-256), {@code
 * 304} to a matching {@code If-None-Match}, cacheable for an hour (revalidated after), and open to
 * pages of any origin ({@code Access-Control-Allow-Origin: *}: a module script loaded from another
 * origin needs it, and the file is public and carries no credentials).
 */
final class ClientScript {

  static final String PATH = "/client/herald.js";
  static final String RESOURCE = "client/herald.js";
  static final String CONTENT_TYPE = "text/javascript; charset=utf-8";
  static final String CACHE_CONTROL = "public, max-age=3600, must-revalidate";

  private static final byte[] BODY = load();
  private static final String ETAG = etag(BODY);

  private ClientScript() {}

  static void handle(RoutingContext ctx) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .putHeader(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL)
        .putHeader(HttpHeaders.ETAG, ETAG)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Access-Control-Allow-Origin", "*");
    String match = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (match != null && (match.contains(ETAG) || match.trim().equals("*"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    // A buffer per answer: a written buffer's bytes are consumed, one shared would be empty the
    // second time.
    ctx.response().end(Buffer.buffer(BODY));
  }

  private static byte[] load() {
    try (InputStream in = ClientScript.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + RESOURCE + " is missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

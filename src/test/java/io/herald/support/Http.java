package io.herald.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Blocking HTTP GETs against a node on loopback (the JDK's client: usable outside JUnit, e.g. by
 * ClusterFigures).
 */
public final class Http {

  /**
   * A client per request: no pooled keep-alive connection is reused, which a node may close (idle
   * connections are closed after {@code http.handshake-timeout-ms}) just as it is, nor one to a
   * node gone whose port a new node got.
   */
  private static HttpClient client() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** An answer: its status, its content type and its body. */
  public record Page(int status, String contentType, String body) {}

  private Http() {}

  public static Page get(int port, String uri) {
    try {
      HttpResponse<String> response =
          client()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
                      .timeout(Duration.ofMillis(WsClient.WAIT_MS))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return new Page(
          response.statusCode(),
          response.headers().firstValue("content-type").orElse(null),
          response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code GET /api/status}: the node's live counts and id. */
  public static JsonObject status(int port) {
    Page page = get(port, "/api/status");
    if (page.status() != 200) {
      throw new IllegalStateException("/api/status answered " + page.status() + ": " + page.body());
    }
    return new JsonObject(page.body());
  }
}

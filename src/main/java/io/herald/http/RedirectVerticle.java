package io.herald.http;

import io.herald.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain HTTP listener of {@code http.tls.redirect-port}: every request, websocket upgrades
 * included, is answered with 308 (Permanent Redirect: the method and body are kept) to the https
 * URL of the same host, path and query on the node's https port. Nothing else is served on it. A
 * Host that {@code http.allowed-hosts} refuses gets 421, as on the https port.
 */
public final class RedirectVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RedirectVerticle.class);

  private final Settings settings;
  private final int httpsPort;
  private HttpServer server;

  /**
   * @param httpsPort the port the https server listens on (the actual one when {@code http.port} is
   *     0)
   */
  public RedirectVerticle(Settings settings, int httpsPort) {
    this.settings = settings;
    this.httpsPort = httpsPort;
  }

  @Override
  public Future<?> start() {
    HostPolicy hosts = new HostPolicy(settings.httpAllowedHosts(), settings.httpHost());
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHost(settings.httpHost())
                    .setPort(settings.httpTlsRedirectPort())
                    .setHttp2ClearTextEnabled(false))
            .requestHandler(
                request -> {
                  if (!hosts.allows(request.authority())) {
                    BridgeVerticle.misdirected(request.response());
                    return;
                  }
                  request
                      .response()
                      .setStatusCode(308)
                      .putHeader(HttpHeaders.LOCATION, location(request, httpsPort))
                      .putHeader(HttpHeaders.CONTENT_LENGTH, "0")
                      .end();
                });
    return server
        .listen()
        .onSuccess(
            s ->
                LOG.info(
                    "http://{}:{} redirects to https on port {}",
                    settings.httpHost(),
                    s.actualPort(),
                    httpsPort));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The https URL of {@code request}: its Host's name (else the address it came in on). */
  static String location(HttpServerRequest request, int httpsPort) {
    HostAndPort authority = request.authority();
    String host = authority != null ? authority.host() : request.localAddress().host();
    return location(host, httpsPort, request.path(), request.query());
  }

  static String location(String host, int httpsPort, String path, String query) {
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]"; // an IPv6 literal
    }
    return "https://"
        + host
        + (httpsPort == 443 ? "" : ":" + httpsPort)
        + (path == null || path.isEmpty() ? "/" : path)
        + (query == null ? "" : "?" + query);
  }
}

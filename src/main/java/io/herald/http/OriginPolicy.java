package io.herald.http;

import io.vertx.core.net.HostAndPort;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web pages may open a websocket to the node (the {@code http.allowed-origins} setting). A
 * browser sends the page's {@code Origin} with the upgrade request; without a check, any page a
 * user visits could talk to the node with the user's network position. Allowed: a request without
 * {@code Origin} (not from a browser: scripts, services), a page of the node's own origin (same
 * scheme, host and port as the request's {@code Host}), and the origins listed ({@code
 * scheme://host[:port]}, or {@code *} for any). Everything else is refused with 403.
 */
final class OriginPolicy {

  private final boolean any;
  private final Set<String> allowed;

  /**
   * @param setting comma-separated origins, {@code *}, or "" for the node's own origin only
   */
  OriginPolicy(String setting) {
    Set<String> listed =
        Arrays.stream(setting.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    this.any = listed.contains("*");
    this.allowed =
        listed.stream()
            .filter(s -> !s.equals("*"))
            .map(OriginPolicy::normalise)
            .collect(Collectors.toSet());
  }

  /**
   * Whether an upgrade request carrying {@code origin} (null when absent) may go on.
   *
   * @param scheme the request's scheme ({@code http} or {@code https})
   * @param authority the request's {@code Host}, or null
   */
  boolean allows(String origin, String scheme, HostAndPort authority) {
    if (origin == null || any) {
      return true;
    }
    String normalised = normalise(origin);
    if (allowed.contains(normalised)) {
      return true;
    }
    return authority != null
        && normalised.equals(
            normalise(
                scheme
                    + "://"
                    + authority.host()
                    + (authority.port() < 0 ? "" : ":" + authority.port())));
  }

  /**
   * {@code scheme://host:port} in lower case with the scheme's default port made explicit; the text
   * itself when it is not a URI.
   */
  private static String normalise(String origin) {
    try {
      URI uri = new URI(origin.trim());
      String scheme = uri.getScheme();
      String host = uri.getHost();
      if (scheme == null || host == null) {
        return origin.trim().toLowerCase(Locale.ROOT);
      }
      scheme = scheme.toLowerCase(Locale.ROOT);
      int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
      return scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
    } catch (java.net.URISyntaxException e) {
      return origin.trim().toLowerCase(Locale.ROOT);
    }
  }
}

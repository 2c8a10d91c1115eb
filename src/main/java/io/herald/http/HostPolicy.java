package io.herald.http;

import io.vertx.core.net.HostAndPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which {@code Host} a request may name (the {@code http.allowed-hosts} setting): the defence
 * against DNS rebinding. A page of {@code http://attacker.example} whose name the attacker then
 * points at the node's address reaches the node as "its own origin", so the Origin check lets it
 * through; but the browser still sends {@code Host: attacker.example}, which a node that knows its
 * own names refuses (421).
 *
 * <ul>
 *   <li>a list ({@code "herald.example, 10.0.0.5"}): those host names, in any case and with any
 *       port, and no other;
 *   <li>"" on a node bound to loopback: {@code localhost}, {@code 127.0.0.1} and {@code [::1]};
 *   <li>"" on a node bound to any other address: every Host (the operator has not said which names
 *       the node answers to).
 * </ul>
 *
 * A request without {@code Host} (HTTP/1.0; a browser always sends one) is not affected.
 */
public final class HostPolicy {

  static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  /** null = any Host. */
  private final Set<String> allowed;

  /**
   * @param setting comma-separated host names, or ""
   * @param bindHost the address the server binds to ({@code http.host})
   */
  HostPolicy(String setting, String bindHost) {
    Set<String> listed =
        Arrays.stream(setting.split(","))
            .map(HostPolicy::normalise)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    if (!listed.isEmpty()) {
      this.allowed = listed;
    } else if (isLoopback(bindHost)) {
      this.allowed = LOOPBACK_NAMES;
    } else {
      this.allowed = null;
    }
  }

  /** Whether a request whose {@code Host} is {@code authority} (null when absent) may go on. */
  boolean allows(HostAndPort authority) {
    return allowed == null || authority == null || allowed.contains(normalise(authority.host()));
  }

  /** Whether any Host is allowed. */
  boolean any() {
    return allowed == null;
  }

  /**
   * Lower case, without a trailing dot ({@code localhost.} is {@code localhost}); an IPv6 literal
   * with its brackets.
   */
  private static String normalise(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
      h = "[" + h + "]";
    }
    return h;
  }

  /**
   * Whether {@code host} (a bind address) is a loopback one: {@code localhost} or a loopback IP
   * literal. No name is looked up.
   */
  public static boolean isLoopback(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    boolean ipv4 = h.matches("[0-9]+(\\.[0-9]+){3}");
    boolean ipv6 = h.contains(":") && h.matches("[0-9a-f:.]+");
    if (!ipv4 && !ipv6) {
      return false; // a name: never resolved here
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return false;
    }
  }
}

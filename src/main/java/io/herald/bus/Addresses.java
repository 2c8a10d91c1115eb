package io.herald.bus;

/**
 * Every event-bus address Herald uses. Bodies:
 * <ul>
 *   <li>{@code herald.event.<name>} — published; a {@code String}: the client frame exactly as subscribers receive
 *       it, {@code {"msg":"added|changed|removed","collection":"<name>","id":..,"fields":..,"extra":..}}</li>
 *   <li>{@code herald.method.<name>} — request/reply; request {@code {"params":[..],"session":".."}}, reply
 *       {@code {"result":..}} or {@code {"error":{ERROR dict}}}</li>
 *   <li>{@code herald.registry.events} — published on every event registration; the descriptor's JSON</li>
 * </ul>
 */
public final class Addresses {

  public static final String EVENT_PREFIX = "herald.event.";
  public static final String METHOD_PREFIX = "herald.method.";
  public static final String EVENT_REGISTRATIONS = "herald.registry.events";

  private Addresses() {
  }

  public static String event(String name) {
    return EVENT_PREFIX + name;
  }

  public static String method(String name) {
    return METHOD_PREFIX + name;
  }
}

package io.herald;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Who makes a call or holds a subscription: a logged-in user with the roles they hold (already
 * expanded: a role that includes others brings them), an anonymous connection (with the roles the
 * node grants anonymous connections, usually none), or the node's own verticles.
 *
 * @param username the user, or null when not logged in (anonymous) or internal
 * @param roles the effective roles
 * @param internal a verticle of the cluster: may do anything
 */
public record Caller(String username, Set<String> roles, boolean internal) {

  /** The node's own verticles ({@link Herald#call}): trusted, every role. */
  public static final Caller INTERNAL = new Caller(null, Set.of(Roles.FULL_ADMIN), true);

  /** A connection that has not logged in and is granted nothing. */
  public static final Caller ANONYMOUS = new Caller(null, Set.of(), false);

  public Caller {
    roles = Set.copyOf(roles);
  }

  public static Caller anonymous(Set<String> roles) {
    return new Caller(null, roles, false);
  }

  public static Caller user(String username, Set<String> roles) {
    return new Caller(username, roles, false);
  }

  /** Logged in as a user. */
  public boolean authenticated() {
    return username != null;
  }

  /**
   * Holds {@code role}: {@link Roles#FULL_ADMIN} holds every role, {@link Roles#READONLY_ADMIN}
   * every {@code *_READ} role, {@code X_WRITE} holds {@code X_READ}.
   */
  public boolean has(String role) {
    if (internal || roles.contains(Roles.FULL_ADMIN) || roles.contains(role)) {
      return true;
    }
    return role.endsWith(READ)
        && (roles.contains(Roles.READONLY_ADMIN)
            || roles.contains(role.substring(0, role.length() - READ.length()) + "_WRITE"));
  }

  private static final String READ = "_READ";

  /**
   * May use something that requires any of {@code required}: an empty list means {@link
   * Roles#FULL_ADMIN} only, {@link Roles#AUTHENTICATED} any logged-in user.
   */
  public boolean mayUse(List<String> required) {
    if (has(Roles.FULL_ADMIN)) {
      return true;
    }
    for (String role : required) {
      if (Roles.AUTHENTICATED.equals(role) ? authenticated() : has(role)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The error for something this caller may not use: {@code ENOTAUTHENTICATED} when not logged in,
   * else {@code EACCES}; with the original's reasons.
   */
  public ErrorDict refusal() {
    return authenticated()
        ? ErrorDict.of(Errno.EACCES, "Not authorized")
        : ErrorDict.of(Errno.ENOTAUTHENTICATED, "Not authenticated");
  }

  /**
   * May see a message that concerns {@code owner} (null: concerns no one in particular) of an event
   * requiring {@code required}: with the roles, or as the owner.
   */
  public boolean maySee(List<String> required, String owner) {
    return mayUse(required) || owner != null && owner.equals(username);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("username", username)
        .put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("internal", internal);
  }

  public static Caller fromJson(JsonObject json) {
    return new Caller(
        json.getString("username"),
        Set.copyOf(json.getJsonArray("roles", new JsonArray()).getList()),
        json.getBoolean("internal", false));
  }
}

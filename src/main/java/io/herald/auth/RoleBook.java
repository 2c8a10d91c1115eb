package io.herald.auth;

import io.herald.Roles;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The roles a node knows: the built-in ones ({@link Roles}) and the operator's own from {@code
 * auth.custom-roles}, each of which includes a list of others. {@link #expand} turns the roles a
 * user was given into the set a {@link io.herald.Caller} holds (the rules for {@code FULL_ADMIN},
 * {@code READONLY_ADMIN} and {@code X_WRITE} ⊃ {@code X_READ} are applied by the caller itself).
 */
public final class RoleBook {

  private static final List<String> BUILT_IN =
      List.of(
          Roles.FULL_ADMIN,
          Roles.READONLY_ADMIN,
          Roles.JOBS_READ,
          Roles.JOBS_WRITE,
          Roles.REPORTING_READ,
          Roles.FILESYSTEM_READ,
          Roles.ALERT_READ,
          Roles.ALERT_WRITE,
          Roles.CLUSTER_READ);

  private final Map<String, List<String>> custom;

  private RoleBook(Map<String, List<String>> custom) {
    this.custom = custom;
  }

  /**
   * Parses {@code auth.custom-roles}: {@code "NAME=ROLE+ROLE,NAME2=ROLE"} ("" = none). Names are
   * upper-case identifiers; included roles may be built-in or custom (cycles are harmless).
   *
   * @throws IllegalArgumentException naming the faulty part
   */
  public static RoleBook parse(String spec) {
    Map<String, List<String>> custom = new HashMap<>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).trim();
      if (!name.matches("[A-Z][A-Z0-9_]*") || BUILT_IN.contains(name)) {
        throw new IllegalArgumentException(
            "custom role '"
                + entry.trim()
                + "': expected NAME=ROLE+ROLE with a new upper-case NAME");
      }
      List<String> included =
          List.of(entry.substring(eq + 1).trim().split("\\+")).stream()
              .map(String::trim)
              .filter(r -> !r.isEmpty())
              .toList();
      custom.put(name, included);
    }
    return new RoleBook(Map.copyOf(custom));
  }

  /** Whether {@code role} may be given to a user: built-in, custom, or any upper-case name. */
  public static boolean isValidName(String role) {
    return role.matches("[A-Z][A-Z0-9_]*") && !Roles.AUTHENTICATED.equals(role);
  }

  /** {@code assigned} with every role a custom role includes, transitively. */
  public Set<String> expand(Iterable<String> assigned) {
    Set<String> out = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    assigned.forEach(todo::add);
    while (!todo.isEmpty()) {
      String role = todo.pop();
      if (out.add(role)) {
        todo.addAll(custom.getOrDefault(role, List.of()));
      }
    }
    return out;
  }
}

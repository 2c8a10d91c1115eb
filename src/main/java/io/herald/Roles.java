package io.herald;

/**
 * The built-in roles. Events and methods name the roles that may use them (any one suffices); a
 * role may include others (see {@code io.herald.auth.RoleBook}): {@link #FULL_ADMIN} includes every
 * role, {@link #READONLY_ADMIN} every {@code *_READ} role, each {@code X_WRITE} its {@code X_READ}.
 * Operators add their own roles in configuration ({@code auth.roles}).
 */
public final class Roles {

  private Roles() {}

  /** Everything, including accounts. */
  public static final String FULL_ADMIN = "FULL_ADMIN";

  /** Every {@code *_READ} role. */
  public static final String READONLY_ADMIN = "READONLY_ADMIN";

  /** Not a role one holds: in a required list, any logged-in user. */
  public static final String AUTHENTICATED = "AUTHENTICATED";

  public static final String JOBS_READ = "JOBS_READ";
  public static final String JOBS_WRITE = "JOBS_WRITE";
  public static final String REPORTING_READ = "REPORTING_READ";
  public static final String FILESYSTEM_READ = "FILESYSTEM_READ";
  public static final String ALERT_READ = "ALERT_READ";
  public static final String ALERT_WRITE = "ALERT_WRITE";
  public static final String CLUSTER_READ = "CLUSTER_READ";
}

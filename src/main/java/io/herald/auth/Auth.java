package io.herald.auth;

import io.herald.Caller;
import io.herald.Roles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * A node's authentication: checks secrets against the cluster's {@link AccountStore} (hashing on a
 * small worker pool of its own, never on an event loop), issues and redeems {@link Tokens}, and
 * turns a {@link Login} into the {@link Caller} it is now — again whenever the accounts change.
 */
public final class Auth {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** What {@link #anonymous} callers and logins are given. */
  public record Settings(
      Set<String> anonymousRoles,
      int iterations,
      long failureDelayMs,
      int maxFailures,
      long failureWindowMs,
      RoleBook roles) {}

  private final Vertx vertx;
  private final AccountStore store;
  private final Tokens tokens;
  private final Settings settings;
  private final LoginThrottle throttle;
  private final LongSupplier clock;
  private final WorkerExecutor hashing;
  private final byte[] decoySecret = new byte[32];

  public Auth(
      Vertx vertx, AccountStore store, Tokens tokens, Settings settings, LongSupplier clock) {
    this.vertx = vertx;
    this.store = store;
    this.tokens = tokens;
    this.settings = settings;
    this.clock = clock;
    this.throttle = new LoginThrottle(settings.maxFailures(), settings.failureWindowMs(), clock);
    this.hashing = vertx.createSharedWorkerExecutor("herald-auth-hashing", 2);
    RANDOM.nextBytes(decoySecret);
  }

  /** Told of every login attempt's outcome (the node's metrics); none by default. */
  private volatile LoginObserver observer = (mechanism, outcome) -> {};

  /** Outcomes of a login attempt, as the metrics name them. */
  public static final String SUCCESS = "success";

  public static final String FAILURE = "failure";
  public static final String THROTTLED = "throttled";

  /** Told of each login attempt's outcome. */
  public interface LoginObserver {
    /**
     * @param mechanism {@code PASSWORD_PLAIN}, {@code API_KEY_PLAIN}, {@code TOKEN_PLAIN} or {@code
     *     API_KEY_SCRAM}
     * @param outcome {@link #SUCCESS}, {@link #FAILURE} or {@link #THROTTLED}
     */
    void attempted(String mechanism, String outcome);
  }

  public void observe(LoginObserver observer) {
    this.observer = observer;
  }

  void attempted(String mechanism, String outcome) {
    observer.attempted(mechanism, outcome);
  }

  public AccountStore store() {
    return store;
  }

  public Tokens tokens() {
    return tokens;
  }

  public Settings settings() {
    return settings;
  }

  public long now() {
    return clock.getAsLong();
  }

  /** A connection that has not logged in. */
  public Caller anonymous() {
    return Caller.anonymous(settings.anonymousRoles());
  }

  /** Runs CPU-heavy {@code work} (hashing) off the event loops. */
  public <T> Future<T> hash(Callable<T> work) {
    return hashing.executeBlocking(work, false);
  }

  /** A new random secret: 64 URL-safe characters. */
  public static String newSecret() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder out = new StringBuilder(64);
    for (int i = 0; i < 64; i++) {
      out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  // --- checking secrets: each completes with the login, or null ---

  /** Whether {@code address} may try to log in now (too many recent failures: no). */
  public boolean allows(String address) {
    return throttle.allows(address);
  }

  /** Records a failure of {@code address}; completes after the failure delay. */
  public Future<Void> failed(String address) {
    throttle.failed(address);
    if (settings.failureDelayMs() <= 0) {
      return Future.succeededFuture();
    }
    return Future.future(p -> vertx.setTimer(settings.failureDelayMs(), id -> p.complete()));
  }

  public Future<Login> password(String username, String password) {
    JsonObject user = store.current().user(username);
    Credential credential =
        user == null ? decoy(username) : Credential.fromJson(user.getJsonObject("credential"));
    return hash(() -> credential.matches(password))
        .map(
            ok ->
                ok && user != null
                    ? login(username, Login.PASSWORD_PLAIN, 0, Long.MAX_VALUE)
                    : null);
  }

  /**
   * An API key as shown at its creation, {@code <id>-<secret>}; with a non-null {@code username}
   * the key must be theirs.
   */
  public Future<Login> apiKey(String key, String username) {
    int dash = key == null ? -1 : key.indexOf('-');
    long id;
    try {
      id = dash <= 0 ? -1 : Long.parseLong(key.substring(0, dash));
    } catch (NumberFormatException e) {
      id = -1;
    }
    JsonObject entry = id < 0 ? null : store.current().apiKey(id);
    boolean fits =
        Accounts.usable(entry, now())
            && (username == null || username.equals(entry.getString("username")));
    Credential credential =
        fits ? Credential.fromJson(entry.getJsonObject("credential")) : decoy("key:" + id);
    String secret = dash < 0 ? "" : key.substring(dash + 1);
    long keyId = id;
    return hash(() -> credential.matches(secret))
        .map(ok -> ok && fits ? keyLogin(entry, keyId, Login.API_KEY_PLAIN) : null);
  }

  public Future<Login> token(String token, String origin) {
    return tokens
        .redeem(token, origin)
        .map(
            redeemed ->
                redeemed == null || store.current().user(redeemed.username()) == null
                    ? null
                    : login(redeemed.username(), Login.TOKEN_PLAIN, 0, redeemed.expiresAt()));
  }

  /** The material a SCRAM exchange for {@code principal} runs against (a decoy when unknown). */
  public Credential scramCredential(ScramExchange.Principal principal) {
    JsonObject entry = scramEntry(principal);
    return entry == null
        ? decoy(principal.username() + ":" + principal.apiKeyId())
        : Credential.fromJson(entry.getJsonObject("credential"));
  }

  /** The login a successful SCRAM exchange for {@code principal} opens, or null. */
  public Login scramLogin(ScramExchange.Principal principal) {
    JsonObject entry = scramEntry(principal);
    if (entry == null) {
      return null;
    }
    return principal.apiKeyId() == 0
        ? login(principal.username(), Login.PASSWORD_PLAIN, 0, Long.MAX_VALUE)
        : keyLogin(entry, principal.apiKeyId(), Login.API_KEY_SCRAM);
  }

  private JsonObject scramEntry(ScramExchange.Principal principal) {
    if (principal.apiKeyId() == 0) {
      return store.current().user(principal.username());
    }
    JsonObject key = store.current().apiKey(principal.apiKeyId());
    return Accounts.usable(key, now()) && principal.username().equals(key.getString("username"))
        ? key
        : null;
  }

  private Login keyLogin(JsonObject key, long id, String mechanism) {
    Long expires = key.getLong("expires_at");
    return login(
        key.getString("username"), mechanism, id, expires == null ? Long.MAX_VALUE : expires);
  }

  private Login login(String username, String mechanism, long keyId, long expiresAt) {
    return new Login(username, mechanism, keyId, expiresAt, now());
  }

  /**
   * Material no secret matches, the same for the same name on this node (so that an unknown user
   * looks like a known one, salt included), at the configured cost.
   */
  private Credential decoy(String name) {
    byte[] salt = Credential.hmac(decoySecret, name.getBytes(StandardCharsets.UTF_8));
    byte[] random = new byte[64];
    RANDOM.nextBytes(random);
    return new Credential(java.util.Arrays.copyOf(salt, 16), settings.iterations(), random, random);
  }

  // --- who a login is now ---

  /**
   * The caller {@code login} is now, or null when it no longer holds: its user was deleted, its API
   * key deleted or expired, its token's session expired.
   */
  public Caller recheck(Login login) {
    Accounts accounts = store.current();
    JsonObject user = accounts.user(login.username());
    if (user == null || login.expiresAt() <= now()) {
      return null;
    }
    if (login.apiKeyId() != 0 && !Accounts.usable(accounts.apiKey(login.apiKeyId()), now())) {
      return null;
    }
    List<String> assigned = user.getJsonArray("roles", new JsonArray()).getList();
    return Caller.user(login.username(), settings.roles().expand(assigned));
  }

  /** {@code auth.me}: the user a caller is, as the original's clients read it. */
  public JsonObject me(Login login, Caller caller) {
    JsonObject user = store.current().user(login.username());
    JsonObject info =
        new JsonObject()
            .put("pw_name", login.username())
            .put("username", login.username())
            .put("id", user == null ? null : user.getInteger("id"))
            .put("roles", new JsonArray(caller.roles().stream().sorted().toList()))
            .put(
                "privilege",
                new JsonObject()
                    .put("roles", new JsonArray(caller.roles().stream().sorted().toList())))
            .put("mechanism", login.mechanism())
            .put("login_at", io.herald.TypedValues.date(login.at()));
    if (login.apiKeyId() != 0) {
      info.put("api_key", new JsonObject().put("id", login.apiKeyId()));
    }
    if (login.expiresAt() != Long.MAX_VALUE) {
      info.put("expires_at", io.herald.TypedValues.date(login.expiresAt()));
    }
    return info;
  }

  /**
   * The first document of a new cluster: user {@code admin} with {@link Roles#FULL_ADMIN} and
   * {@code password} (from {@code HERALD_ADMIN_PASSWORD}), or a random one when null — returned in
   * {@code generated[0]} to be printed once, only if this document is the one stored.
   */
  public Accounts bootstrap(Accounts empty, String password, String[] generated) {
    String secret = password;
    if (secret == null || secret.isEmpty()) {
      secret = newSecret().substring(0, 24);
      generated[0] = secret;
    }
    Credential credential = Credential.derive(secret, settings.iterations()).credential();
    return empty.withUser("admin", List.of(Roles.FULL_ADMIN), credential, now());
  }

  public Future<Void> close() {
    hashing.close();
    return store.close();
  }
}

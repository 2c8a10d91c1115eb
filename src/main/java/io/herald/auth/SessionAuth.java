package io.herald.auth;

import io.herald.CallError;
import io.herald.Caller;
import io.herald.ErrorDict;
import io.herald.util.LogLimiter;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login state of one connection and its {@code auth.*} calls, which act on the connection and
 * so are served where it is, not through the method registry. Confined to the connection's event
 * loop.
 *
 * <p>Whenever who the connection is changes — login, logout, its user's roles changed or deleted,
 * its API key deleted or expired, its token's session over — the listener hears the caller before
 * and after, at once, and ends what the new caller may not have.
 */
public final class SessionAuth {

  private static final Logger LOG = LoggerFactory.getLogger(SessionAuth.class);

  /**
   * The methods served here; {@code auth.generate_token}, {@code me}, {@code logout} need login.
   */
  public static final Set<String> METHODS =
      Set.of(
          "auth.login",
          "auth.login_with_api_key",
          "auth.login_with_token",
          "auth.login_ex",
          "auth.mechanism_choices",
          "auth.generate_token",
          "auth.logout",
          "auth.me");

  /** As the original's clients look for them: {@code SCRAM} is API-key login by SCRAM-SHA-512. */
  static final List<String> MECHANISMS =
      List.of(Login.PASSWORD_PLAIN, Login.API_KEY_PLAIN, Login.TOKEN_PLAIN, "SCRAM");

  private static final long MAX_TOKEN_TTL_SECONDS = 86_400;

  /** SCRAM login, as the metrics name its mechanism. */
  private static final String SCRAM = "API_KEY_SCRAM";

  private final Auth auth;
  private final Context context;
  private final String address;
  private final String origin;
  private final String session;
  private final BiConsumer<Caller, Caller> listener;
  private Login login;
  private Caller caller;
  private ScramExchange scram;
  private long expiryTimer = -1;
  private boolean closed;

  /**
   * @param address the client's address (for the login throttle and the log)
   * @param origin the {@code Origin} of the upgrade request, or null
   * @param listener told (before, after) whenever the caller changes
   */
  public SessionAuth(
      Auth auth,
      String address,
      String origin,
      String session,
      BiConsumer<Caller, Caller> listener) {
    this.auth = auth;
    this.context = Vertx.currentContext();
    this.address = address;
    this.origin = origin;
    this.session = session;
    this.listener = listener;
    this.caller = auth.anonymous();
  }

  public Caller caller() {
    return caller;
  }

  public boolean loggedIn() {
    return login != null;
  }

  /** Answers an {@code auth.*} call of {@link #METHODS}; fails with a {@link CallError}. */
  public Future<Object> call(String method, JsonArray params) {
    try {
      return switch (method) {
        case "auth.mechanism_choices" -> Future.succeededFuture(new JsonArray(MECHANISMS));
        case "auth.login" ->
            attempt(
                    "PASSWORD_PLAIN",
                    string(params, 0, method, "username"),
                    () ->
                        auth.password(
                            string(params, 0, method, "username"),
                            string(params, 1, method, "password")))
                .map(ok -> (Object) ok);
        case "auth.login_with_api_key" ->
            attempt(
                    "API_KEY_PLAIN",
                    null,
                    () -> auth.apiKey(string(params, 0, method, "api_key"), null))
                .map(ok -> (Object) ok);
        case "auth.login_with_token" ->
            attempt(
                    "TOKEN_PLAIN",
                    null,
                    () -> auth.token(string(params, 0, method, "token"), origin))
                .map(ok -> (Object) ok);
        case "auth.login_ex" -> loginEx(object(params, 0, method, "login_data"));
        case "auth.generate_token" -> generateToken(params);
        case "auth.logout" -> {
          requireLogin();
          LOG.info("logout: user '{}' from {} (session {})", login.username(), address, session);
          change(null, auth.anonymous());
          yield Future.succeededFuture(true);
        }
        case "auth.me" -> {
          requireLogin();
          yield Future.succeededFuture(auth.me(login, caller));
        }
        default -> Future.failedFuture(new CallError(ErrorDict.noMethod(method)));
      };
    } catch (CallError e) {
      return Future.failedFuture(e);
    }
  }

  /** The accounts changed (or a timer fired): who this connection is now. */
  public void recheck() {
    if (closed || login == null) {
      return;
    }
    Caller now = auth.recheck(login);
    if (now == null) {
      LOG.info(
          "session {} of user '{}' from {} ended: the user, key or token no longer holds",
          session,
          login.username(),
          address);
      change(null, auth.anonymous());
    } else if (!now.equals(caller)) {
      change(login, now);
    }
  }

  public void close() {
    closed = true;
    cancelTimer();
  }

  // --- logging in ---

  private interface Check {
    Future<Login> run();
  }

  /** Runs {@code check} unless the address is throttled; true and logged in when it holds. */
  private Future<Boolean> attempt(String mechanism, String username, Check check) {
    if (!auth.allows(address)) {
      auth.attempted(mechanism, Auth.THROTTLED);
      String note = LogLimiter.HOSTILE.acquire();
      if (note != null) {
        LOG.warn(
            "login refused: {} from {} (session {}): too many failed logins from this address{}",
            mechanism,
            address,
            session,
            note);
      }
      return auth.failed(address).map(false);
    }
    return OnContext.on(context, check.run())
        .compose(
            result -> {
              if (result == null) {
                auth.attempted(mechanism, Auth.FAILURE);
                LOG.warn(
                    "login failed: {}{} from {} (session {})",
                    mechanism,
                    username == null ? "" : " as '" + username + "'",
                    address,
                    session);
                return OnContext.on(context, auth.failed(address)).map(false);
              }
              boolean ok = succeed(result);
              auth.attempted(mechanism, ok ? Auth.SUCCESS : Auth.FAILURE);
              return Future.succeededFuture(ok);
            });
  }

  private boolean succeed(Login result) {
    Caller now = auth.recheck(result);
    if (now == null || closed) {
      return false;
    }
    LOG.info(
        "login: user '{}' by {} from {} (session {})",
        result.username(),
        result.mechanism(),
        address,
        session);
    change(result, now);
    return true;
  }

  private void change(Login next, Caller now) {
    Caller before = caller;
    login = next;
    caller = now;
    cancelTimer();
    if (next != null && next.expiresAt() != Long.MAX_VALUE) {
      long delay = Math.max(1, next.expiresAt() - auth.now());
      expiryTimer = context.owner().setTimer(Math.min(delay, Integer.MAX_VALUE), id -> recheck());
    }
    if (!before.equals(now)) {
      listener.accept(before, now);
    }
  }

  private void cancelTimer() {
    if (expiryTimer >= 0) {
      context.owner().cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
  }

  private Future<Object> loginEx(JsonObject data) {
    String mechanism = data.getValue("mechanism") instanceof String s ? s : null;
    if (mechanism == null) {
      throw invalid("auth.login_ex.login_data.mechanism", "Expected one of " + MECHANISMS);
    }
    return switch (mechanism) {
      case "PASSWORD_PLAIN" -> {
        String username = field(data, "username");
        String password = field(data, "password");
        yield loginExAnswer(attempt(mechanism, username, () -> auth.password(username, password)));
      }
      case "API_KEY_PLAIN" -> {
        String username = field(data, "username");
        String key = field(data, "api_key");
        yield loginExAnswer(attempt(mechanism, username, () -> auth.apiKey(key, username)));
      }
      case "TOKEN_PLAIN" -> {
        String token = field(data, "token");
        yield loginExAnswer(attempt(mechanism, null, () -> auth.token(token, origin)));
      }
      case "SCRAM" -> scram(data);
      default ->
          throw invalid(
              "auth.login_ex.login_data.mechanism",
              "'" + mechanism + "' is not one of " + MECHANISMS);
    };
  }

  private Future<Object> loginExAnswer(Future<Boolean> attempt) {
    return attempt.map(
        ok ->
            ok
                ? new JsonObject()
                    .put("response_type", "SUCCESS")
                    .put("user_info", auth.me(login, caller))
                    .put("authenticator", "LEVEL_1")
                : authError());
  }

  private static JsonObject authError() {
    return new JsonObject().put("response_type", "AUTH_ERR");
  }

  /** The two round trips of SCRAM: client-first → server-first, client-final → server-final. */
  private Future<Object> scram(JsonObject data) {
    String type = field(data, "scram_type");
    String rfc = field(data, "rfc_str");
    try {
      if ("CLIENT_FIRST_MESSAGE".equals(type)) {
        scram = ScramExchange.parse(rfc);
        String serverFirst = scram.first(auth.scramCredential(scram.principal()));
        return Future.succeededFuture(
            new JsonObject()
                .put("response_type", "SCRAM_RESPONSE")
                .put("scram_type", "SERVER_FIRST_MESSAGE")
                .put("rfc_str", serverFirst));
      }
      if ("CLIENT_FINAL_MESSAGE".equals(type)) {
        ScramExchange exchange = scram;
        scram = null;
        if (exchange == null) {
          throw new ScramExchange.Invalid("CLIENT_FINAL_MESSAGE before CLIENT_FIRST_MESSAGE");
        }
        if (!auth.allows(address)) {
          auth.attempted(SCRAM, Auth.THROTTLED);
          String note = LogLimiter.HOSTILE.acquire();
          if (note != null) {
            LOG.warn(
                "login refused: SCRAM from {} (session {}): too many failed logins{}",
                address,
                session,
                note);
          }
          return auth.failed(address).map(v -> authError());
        }
        String serverFinal = exchange.finish(rfc);
        Login result = serverFinal == null ? null : auth.scramLogin(exchange.principal());
        if (result == null || !succeed(result)) {
          auth.attempted(SCRAM, Auth.FAILURE);
          LOG.warn(
              "login failed: API_KEY_SCRAM as '{}' (key {}) from {} (session {})",
              exchange.principal().username(),
              exchange.principal().apiKeyId(),
              address,
              session);
          return OnContext.on(context, auth.failed(address)).map(v -> authError());
        }
        auth.attempted(SCRAM, Auth.SUCCESS);
        return Future.succeededFuture(
            new JsonObject()
                .put("response_type", "SCRAM_RESPONSE")
                .put("scram_type", "SERVER_FINAL_MESSAGE")
                .put("rfc_str", serverFinal)
                .put("otp_required", false)
                .put("user_info", auth.me(login, caller)));
      }
      throw invalid(
          "auth.login_ex.login_data.scram_type",
          "Expected CLIENT_FIRST_MESSAGE or CLIENT_FINAL_MESSAGE");
    } catch (ScramExchange.Invalid e) {
      scram = null;
      throw invalid("auth.login_ex.login_data.rfc_str", e.getMessage());
    }
  }

  private Future<Object> generateToken(JsonArray params) {
    requireLogin();
    Object ttlValue = params.size() > 0 ? params.getValue(0) : null;
    long ttl = 600;
    if (ttlValue != null) {
      if (!(ttlValue instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.longValue() < 1
          || n.longValue() > MAX_TOKEN_TTL_SECONDS) {
        throw invalid(
            "auth.generate_token.ttl", "Expected whole seconds from 1 to " + MAX_TOKEN_TTL_SECONDS);
      }
      ttl = n.longValue();
    }
    boolean matchOrigin = params.size() > 2 && Boolean.TRUE.equals(params.getValue(2));
    if (matchOrigin && origin == null) {
      throw invalid(
          "auth.generate_token.match_origin", "This connection has no Origin to bind the token to");
    }
    return OnContext.on(
            context, auth.tokens().issue(login.username(), ttl, matchOrigin ? origin : null))
        .map(token -> (Object) token);
  }

  private void requireLogin() {
    if (login == null) {
      throw new CallError(caller.refusal());
    }
  }

  // --- params ---

  private static String string(JsonArray params, int index, String method, String name) {
    Object value = index < params.size() ? params.getValue(index) : null;
    if (!(value instanceof String s)) {
      throw invalid(method + "." + name, "Expected a string");
    }
    return s;
  }

  private static JsonObject object(JsonArray params, int index, String method, String name) {
    Object value = index < params.size() ? params.getValue(index) : null;
    if (!(value instanceof JsonObject o)) {
      throw invalid(method + "." + name, "Expected an object");
    }
    return o;
  }

  private static String field(JsonObject data, String name) {
    if (!(data.getValue(name) instanceof String s)) {
      throw invalid("auth.login_ex.login_data." + name, "Expected a string");
    }
    return s;
  }

  private static CallError invalid(String attribute, String message) {
    return new CallError(ErrorDict.validation(attribute, message));
  }
}

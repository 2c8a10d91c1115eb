package io.herald.auth;

import io.herald.CallError;
import io.herald.ErrorDict;
import io.herald.MethodCall;
import io.herald.MethodDescriptor;
import io.herald.query.Filters;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts methods, {@link io.herald.Roles#FULL_ADMIN} only: {@code user.create/update/delete/
 * query} and {@code api_key.create/delete/query}. Registered on every node; each change is one
 * compare-and-set of the cluster's accounts document, so it holds on every node at once and every
 * connection it concerns is re-checked.
 */
public final class AccountMethods {

  private static final Logger LOG = LoggerFactory.getLogger(AccountMethods.class);
  private static final String USERNAME = "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$";
  private static final JsonObject QUERY_PARAMS =
      new JsonObject()
          .put("type", "array")
          .put(
              "prefixItems",
              new JsonArray()
                  .add(new JsonObject().put("type", "array"))
                  .add(new JsonObject().put("type", "object")))
          .put("maxItems", 2);

  private final Auth auth;

  public AccountMethods(Auth auth) {
    this.auth = auth;
  }

  public List<MethodDescriptor> descriptors() {
    JsonObject roles =
        new JsonObject()
            .put("type", "array")
            .put("maxItems", 64)
            .put(
                "items",
                new JsonObject().put("type", "string").put("pattern", "^[A-Z][A-Z0-9_]*$"));
    JsonObject password =
        new JsonObject().put("type", "string").put("minLength", 8).put("maxLength", 1024);
    JsonObject createUser =
        new JsonObject()
            .put("type", "object")
            .put(
                "properties",
                new JsonObject()
                    .put(
                        "username", new JsonObject().put("type", "string").put("pattern", USERNAME))
                    .put("password", password)
                    .put("roles", roles))
            .put("required", new JsonArray().add("username").add("password"))
            .put("additionalProperties", false);
    JsonObject updateUser =
        new JsonObject()
            .put("type", "object")
            .put("properties", new JsonObject().put("password", password).put("roles", roles))
            .put("additionalProperties", false);
    JsonObject createKey =
        new JsonObject()
            .put("type", "object")
            .put(
                "properties",
                new JsonObject()
                    .put(
                        "name",
                        new JsonObject()
                            .put("type", "string")
                            .put("minLength", 1)
                            .put("maxLength", 200))
                    .put("username", new JsonObject().put("type", "string"))
                    .put(
                        "expires_at",
                        new JsonObject()
                            .put(
                                "oneOf",
                                new JsonArray()
                                    .add(io.herald.TypedValues.DATE_SCHEMA)
                                    .add(new JsonObject().put("type", "null")))))
            .put("required", new JsonArray().add("name").add("username"))
            .put("additionalProperties", false);
    JsonObject id =
        new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", Integer.MAX_VALUE);
    return List.of(
        new MethodDescriptor(
            "user.create",
            "Create a user with a password and roles.",
            params(createUser),
            this::createUser),
        new MethodDescriptor(
            "user.update",
            "Change a user's password and/or roles; their connections are re-checked at once.",
            params(id, updateUser),
            this::updateUser),
        new MethodDescriptor(
            "user.delete",
            "Delete a user and their API keys; their connections are logged out at once.",
            params(id),
            this::deleteUser),
        new MethodDescriptor(
            "user.query", "List users (never their credentials).", QUERY_PARAMS, this::queryUsers),
        new MethodDescriptor(
            "api_key.create",
            "Create an API key for a user; the answer holds the key, shown only this once.",
            params(createKey),
            this::createKey),
        new MethodDescriptor(
            "api_key.delete",
            "Delete (revoke) an API key; connections logged in with it are logged out at once.",
            params(id),
            this::deleteKey),
        new MethodDescriptor(
            "api_key.query",
            "List API keys (never their secrets).",
            QUERY_PARAMS,
            this::queryKeys));
  }

  private static JsonObject params(JsonObject... items) {
    JsonArray prefix = new JsonArray();
    for (JsonObject item : items) {
      prefix.add(item);
    }
    return new JsonObject()
        .put("type", "array")
        .put("prefixItems", prefix)
        .put("minItems", items.length)
        .put("maxItems", items.length);
  }

  private Future<Object> createUser(MethodCall call) {
    JsonObject data = call.params().getJsonObject(0);
    String username = data.getString("username");
    List<String> roles = roles(data, "user.create.roles");
    return auth.hash(
            () -> Credential.derive(data.getString("password"), auth.settings().iterations()))
        .compose(
            derived ->
                auth.store()
                    .update(a -> a.withUser(username, roles, derived.credential(), auth.now())))
        .map(
            accounts -> {
              LOG.info("user '{}' created with roles {}", username, roles);
              return Accounts.publicUser(accounts.user(username));
            });
  }

  private Future<Object> updateUser(MethodCall call) {
    int id = call.params().getInteger(0);
    JsonObject data = call.params().getJsonObject(1);
    List<String> roles = data.containsKey("roles") ? roles(data, "user.update.roles") : null;
    String password = data.getString("password");
    Future<Credential> credential =
        password == null
            ? Future.succeededFuture(null)
            : auth.hash(
                () -> Credential.derive(password, auth.settings().iterations()).credential());
    return credential
        .compose(c -> auth.store().update(a -> a.withUserChanged(id, roles, c, auth.now())))
        .map(
            accounts -> {
              JsonObject user = accounts.userById(id);
              LOG.info(
                  "user '{}' updated:{}{}",
                  user.getString("username"),
                  roles == null ? "" : " roles " + roles,
                  password == null ? "" : " password changed");
              return Accounts.publicUser(user);
            });
  }

  private Future<Object> deleteUser(MethodCall call) {
    int id = call.params().getInteger(0);
    JsonObject user = auth.store().current().userById(id);
    if (user != null && user.getString("username").equals(call.caller().username())) {
      return Future.failedFuture(
          new CallError(ErrorDict.validation("user.delete.id", "You cannot delete yourself")));
    }
    return removal(a -> a.withoutUser(id), "user {} deleted", id);
  }

  /** Stores a deletion; logs {@code done} with {@code id} and answers true. */
  private Future<Object> removal(
      java.util.function.Function<Accounts, Accounts> change, String done, long id) {
    return auth.store()
        .update(change)
        .map(
            accounts -> {
              LOG.info(done, id);
              return true;
            });
  }

  private Future<Object> queryUsers(MethodCall call) {
    List<JsonObject> users = new ArrayList<>();
    auth.store().current().users().forEach(u -> users.add(Accounts.publicUser(u)));
    return query(users, call);
  }

  private Future<Object> createKey(MethodCall call) {
    JsonObject data = call.params().getJsonObject(0);
    String name = data.getString("name");
    String username = data.getString("username");
    JsonObject expires = data.getJsonObject("expires_at");
    Long expiresAt = expires == null ? null : expires.getLong("$date");
    if (expiresAt != null && expiresAt <= auth.now()) {
      return Future.failedFuture(
          new CallError(
              ErrorDict.validation("api_key.create.expires_at", "Must be in the future")));
    }
    String secret = Auth.newSecret();
    long[] keyId = new long[1];
    return auth.hash(() -> Credential.derive(secret, auth.settings().iterations()))
        .compose(
            derived ->
                auth.store()
                    .update(
                        a -> {
                          // The change may run again on a newer document: the last run's id holds.
                          keyId[0] = a.nextKeyId();
                          return a.withApiKey(
                              name, username, derived.credential(), expiresAt, auth.now());
                        })
                    .map(
                        accounts -> {
                          long id = keyId[0];
                          JsonObject stored = accounts.apiKey(id);
                          LOG.info("API key {} '{}' created for user '{}'", id, name, username);
                          java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
                          return (Object)
                              Accounts.publicApiKey(stored)
                                  .put("key", id + "-" + secret)
                                  .put("iterations", derived.credential().iterations())
                                  .put("salt", b64.encodeToString(derived.credential().salt()))
                                  .put("client_key", b64.encodeToString(derived.clientKey()))
                                  .put(
                                      "stored_key",
                                      b64.encodeToString(derived.credential().storedKey()))
                                  .put(
                                      "server_key",
                                      b64.encodeToString(derived.credential().serverKey()));
                        }));
  }

  private Future<Object> deleteKey(MethodCall call) {
    long id = call.params().getInteger(0);
    return removal(a -> a.withoutApiKey(id), "API key {} deleted", id);
  }

  private Future<Object> queryKeys(MethodCall call) {
    List<JsonObject> keys = new ArrayList<>();
    auth.store().current().apiKeys().forEach(k -> keys.add(Accounts.publicApiKey(k)));
    return query(keys, call);
  }

  private static Future<Object> query(List<JsonObject> items, MethodCall call) {
    JsonArray filters = call.params().size() > 0 ? call.params().getJsonArray(0) : new JsonArray();
    JsonObject options =
        call.params().size() > 1 ? call.params().getJsonObject(1) : new JsonObject();
    return Future.succeededFuture(Filters.apply(items, filters, options));
  }

  private static List<String> roles(JsonObject data, String attribute) {
    List<String> roles = new ArrayList<>();
    for (Object role : data.getJsonArray("roles", new JsonArray())) {
      String name = (String) role;
      if (!RoleBook.isValidName(name)) {
        throw new CallError(ErrorDict.validation(attribute, "'" + name + "' cannot be given"));
      }
      if (!roles.contains(name)) {
        roles.add(name);
      }
    }
    return roles;
  }
}

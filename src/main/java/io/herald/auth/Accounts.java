package io.herald.auth;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.TypedValues;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The accounts of the cluster as one immutable document: users (with roles and a password {@link
 * Credential}) and API keys (each owned by a user, with the {@link Credential} of its secret).
 * Every change makes a new document with the next {@code revision}; the higher revision is the
 * newer one. Stored as its JSON text, which holds no secret.
 */
public final class Accounts {

  private final JsonObject json;

  private Accounts(JsonObject json) {
    this.json = json;
  }

  public static Accounts empty() {
    return new Accounts(
        new JsonObject()
            .put("revision", 0L)
            .put("next_user_id", 1)
            .put("next_key_id", 1)
            .put("users", new JsonObject())
            .put("api_keys", new JsonObject()));
  }

  public static Accounts parse(String text) {
    return new Accounts(new JsonObject(text));
  }

  public String encode() {
    return json.encode();
  }

  public long revision() {
    return json.getLong("revision");
  }

  /** A user record: {@code id}, {@code username}, {@code roles}, {@code credential}, times. */
  public JsonObject user(String username) {
    return username == null ? null : json.getJsonObject("users").getJsonObject(username);
  }

  public JsonObject userById(int id) {
    for (String name : json.getJsonObject("users").fieldNames()) {
      JsonObject user = json.getJsonObject("users").getJsonObject(name);
      if (user.getInteger("id") == id) {
        return user;
      }
    }
    return null;
  }

  /** An API key record: {@code id}, {@code name}, {@code username}, {@code credential}, times. */
  public JsonObject apiKey(long id) {
    return json.getJsonObject("api_keys").getJsonObject(Long.toString(id));
  }

  public List<JsonObject> users() {
    List<JsonObject> out = new ArrayList<>();
    json.getJsonObject("users").forEach(e -> out.add((JsonObject) e.getValue()));
    return out;
  }

  public List<JsonObject> apiKeys() {
    List<JsonObject> out = new ArrayList<>();
    json.getJsonObject("api_keys").forEach(e -> out.add((JsonObject) e.getValue()));
    return out;
  }

  /** Whether a key exists and has not expired at {@code nowMs} (a revoked key is deleted). */
  public static boolean usable(JsonObject key, long nowMs) {
    if (key == null) {
      return false;
    }
    Long expires = key.getLong("expires_at");
    return expires == null || expires > nowMs;
  }

  // --- changes: each returns the next document ---

  public Accounts withUser(String username, List<String> roles, Credential credential, long now) {
    if (user(username) != null) {
      throw new CallError(
          ErrorDict.validation("user.create.username", "User '" + username + "' already exists"));
    }
    JsonObject next = json.copy();
    int id = next.getInteger("next_user_id");
    next.put("next_user_id", id + 1);
    next.getJsonObject("users")
        .put(
            username,
            new JsonObject()
                .put("id", id)
                .put("username", username)
                .put("roles", new JsonArray(roles))
                .put("credential", credential.toJson())
                .put("created_at", now)
                .put("updated_at", now));
    return bump(next);
  }

  /** The user {@code id} with new roles and/or credential (null = unchanged). */
  public Accounts withUserChanged(int id, List<String> roles, Credential credential, long now) {
    JsonObject user = requireUser(id);
    JsonObject next = json.copy();
    JsonObject changed = user.copy().put("updated_at", now);
    if (roles != null) {
      changed.put("roles", new JsonArray(roles));
    }
    if (credential != null) {
      changed.put("credential", credential.toJson());
    }
    next.getJsonObject("users").put(user.getString("username"), changed);
    return bump(next);
  }

  /** Without the user {@code id} and their API keys. */
  public Accounts withoutUser(int id) {
    JsonObject user = requireUser(id);
    JsonObject next = json.copy();
    next.getJsonObject("users").remove(user.getString("username"));
    JsonObject keys = next.getJsonObject("api_keys");
    for (JsonObject key : apiKeys()) {
      if (key.getString("username").equals(user.getString("username"))) {
        keys.remove(key.getValue("id").toString());
      }
    }
    return bump(next);
  }

  /** With a new API key; its id is {@link #nextKeyId()} of this document. */
  public Accounts withApiKey(
      String name, String username, Credential credential, Long expiresAt, long now) {
    if (user(username) == null) {
      throw new CallError(
          ErrorDict.validation(
              "api_key.create.username", "User '" + username + "' does not exist"));
    }
    JsonObject next = json.copy();
    long id = nextKeyId();
    next.put("next_key_id", id + 1);
    next.getJsonObject("api_keys")
        .put(
            Long.toString(id),
            new JsonObject()
                .put("id", id)
                .put("name", name)
                .put("username", username)
                .put("credential", credential.toJson())
                .put("created_at", now)
                .put("expires_at", expiresAt));
    return bump(next);
  }

  public long nextKeyId() {
    return json.getLong("next_key_id");
  }

  public Accounts withoutApiKey(long id) {
    if (apiKey(id) == null) {
      throw new CallError(Errno.ENOENT, "API key " + id + " does not exist");
    }
    JsonObject next = json.copy();
    next.getJsonObject("api_keys").remove(Long.toString(id));
    return bump(next);
  }

  private JsonObject requireUser(int id) {
    JsonObject user = userById(id);
    if (user == null) {
      throw new CallError(Errno.ENOENT, "User " + id + " does not exist");
    }
    return user;
  }

  private static Accounts bump(JsonObject next) {
    return new Accounts(next.put("revision", next.getLong("revision") + 1));
  }

  // --- what clients see: never a credential ---

  public static JsonObject publicUser(JsonObject user) {
    return new JsonObject()
        .put("id", user.getInteger("id"))
        .put("username", user.getString("username"))
        .put("roles", user.getJsonArray("roles").copy())
        .put("created_at", TypedValues.date(user.getLong("created_at")))
        .put("updated_at", TypedValues.date(user.getLong("updated_at")));
  }

  public static JsonObject publicApiKey(JsonObject key) {
    Long expires = key.getLong("expires_at");
    return new JsonObject()
        .put("id", key.getLong("id"))
        .put("name", key.getString("name"))
        .put("username", key.getString("username"))
        .put("created_at", TypedValues.date(key.getLong("created_at")))
        .put("expires_at", expires == null ? null : TypedValues.date(expires));
  }
}

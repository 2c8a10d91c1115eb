package io.herald.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the server keeps of a secret (a password or an API key's secret): the SCRAM-SHA-512 material
 * of RFC 5802 — the salt, the PBKDF2-HMAC-SHA-512 iteration count, {@code StoredKey =
 * H(HMAC(SaltedPassword, "Client Key"))} and {@code ServerKey = HMAC(SaltedPassword, "Server
 * Key")}. The secret itself and {@code SaltedPassword} are never kept: a plain login derives them
 * again and compares StoredKeys; a SCRAM login proves knowledge of ClientKey without sending it.
 */
public record Credential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Everything derived from a secret, for its owner at creation (the client key is not kept). */
  public record Derived(Credential credential, byte[] clientKey) {}

  /** Derives the material of {@code secret} with a new random 16-byte salt. CPU-heavy. */
  public static Derived derive(String secret, int iterations) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return derive(secret, salt, iterations);
  }

  static Derived derive(String secret, byte[] salt, int iterations) {
    byte[] salted = hi(secret, salt, iterations);
    byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
    return new Derived(new Credential(salt, iterations, sha512(clientKey), serverKey), clientKey);
  }

  /** Whether {@code secret} is the one this material was derived from. CPU-heavy. */
  public boolean matches(String secret) {
    return MessageDigest.isEqual(derive(secret, salt, iterations).credential.storedKey, storedKey);
  }

  static byte[] hi(String secret, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, iterations, 512);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every JDK", e);
    }
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA512");
      mac.init(new SecretKeySpec(key, "HmacSHA512"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA512 is part of every JDK", e);
    }
  }

  static byte[] sha512(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-512").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-512 is part of every JDK", e);
    }
  }

  public JsonObject toJson() {
    Base64.Encoder b64 = Base64.getEncoder();
    return new JsonObject()
        .put("algorithm", "SCRAM-SHA-512")
        .put("salt", b64.encodeToString(salt))
        .put("iterations", iterations)
        .put("stored_key", b64.encodeToString(storedKey))
        .put("server_key", b64.encodeToString(serverKey));
  }

  public static Credential fromJson(JsonObject json) {
    Base64.Decoder b64 = Base64.getDecoder();
    return new Credential(
        b64.decode(json.getString("salt")),
        json.getInteger("iterations"),
        b64.decode(json.getString("stored_key")),
        b64.decode(json.getString("server_key")));
  }
}

package io.herald.auth;

import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Login tokens ({@code auth.generate_token}): random 256-bit strings, each usable once, on any node
 * of the cluster, until it expires. The cluster map {@link Addresses#MAP_TOKENS} keeps only the
 * SHA-256 of each token (a copy of the map yields no usable token) with {@code {"username",
 * "expires_at", "origin"}}, and drops it at its expiry; redeeming removes it, so a second use fails
 * everywhere.
 */
public final class Tokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Membership membership;
  private final LongSupplier clock;

  /**
   * @param clock wall-clock milliseconds
   */
  public Tokens(Membership membership, LongSupplier clock) {
    this.membership = membership;
    this.clock = clock;
  }

  /**
   * A new token for {@code username}, valid {@code ttlSeconds}; with a non-null {@code origin},
   * only a connection from that {@code Origin} may redeem it.
   */
  public Future<String> issue(String username, long ttlSeconds, String origin) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    JsonObject entry =
        new JsonObject()
            .put("username", username)
            .put("expires_at", clock.getAsLong() + ttlSeconds * 1000)
            .put("origin", origin);
    return map().compose(m -> m.put(digest(token), entry.encode(), ttlSeconds * 1000)).map(token);
  }

  /**
   * Redeems {@code token} from a connection with {@code origin}: the username, or null when the
   * token is unknown, used, expired or bound to another origin (it is consumed in every case but
   * unknown).
   */
  public Future<Redeemed> redeem(String token, String origin) {
    if (token == null || token.isEmpty() || token.length() > 256) {
      return Future.succeededFuture(null);
    }
    return map()
        .compose(m -> m.remove(digest(token)))
        .map(
            text -> {
              if (text == null) {
                return null;
              }
              JsonObject entry = new JsonObject(text);
              long expires = entry.getLong("expires_at");
              String boundTo = entry.getString("origin");
              if (expires <= clock.getAsLong() || boundTo != null && !boundTo.equals(origin)) {
                return null;
              }
              return new Redeemed(entry.getString("username"), expires);
            });
  }

  /** A redeemed token: whose it was and when the session it opens ends. */
  public record Redeemed(String username, long expiresAt) {}

  private Future<AsyncMap<String, String>> map() {
    return membership.map(Addresses.MAP_TOKENS);
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

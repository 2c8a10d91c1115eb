package io.herald.auth;

/**
 * How a connection logged in: who, by which mechanism, with which API key (0: none), and until when
 * ({@link Long#MAX_VALUE}: until logout). Re-checked against the accounts whenever they change (see
 * {@link Auth#recheck}).
 */
public record Login(String username, String mechanism, long apiKeyId, long expiresAt, long at) {

  public static final String PASSWORD_PLAIN = "PASSWORD_PLAIN";
  public static final String API_KEY_PLAIN = "API_KEY_PLAIN";
  public static final String API_KEY_SCRAM = "API_KEY_SCRAM";
  public static final String TOKEN_PLAIN = "TOKEN_PLAIN";
}

package io.herald.protocol;

/**
 * Every websocket close code Herald sends, and whether the client should reconnect. The table in
 * {@code docs/PROTOCOL.md} is this enum.
 */
public enum CloseCode {
  /** The server shuts down or restarts: reconnect, to this node later or to another one now. */
  SERVICE_RESTART(1012, "service restart", true),
  /** The client sent a binary frame: only text frames carry the protocol. */
  UNSUPPORTED_DATA(1003, "binary frames are not supported", false),
  /** A frame that breaks RFC 6455 framing (e.g. an unmasked client frame, a stray continuation). */
  PROTOCOL_ERROR(1002, "protocol error", false),
  /** A text message that is not valid UTF-8 JSON. */
  INVALID_JSON(1007, "invalid JSON", false),
  /** A message larger than the configured limit. */
  MESSAGE_TOO_BIG(1009, "message too big", false),
  /** An unexpected server error while handling the connection. */
  INTERNAL_ERROR(1011, "internal error", true),
  /** Nothing arrived from the client within the read-idle timeout (not even a pong). */
  IDLE_TIMEOUT(4000, "idle timeout", true),
  /** The client did not read fast enough and its outbound buffer reached its limit. */
  SLOW_CONSUMER(4001, "slow consumer", true),
  /**
   * A connection that could do nothing before login did not log in within {@code
   * auth.login-timeout-ms}: reconnect only with credentials.
   */
  LOGIN_TIMEOUT(4003, "login timeout", false),
  /**
   * The client kept sending more messages than {@code limits.messages-per-second} allows: its
   * messages were refused for {@code limits.rate-limit-close-after-ms} without a second's pause.
   * Reconnect after a backoff, and send less.
   */
  RATE_LIMITED(4008, "rate limit", true);

  public final short code;
  public final String reason;
  public final boolean reconnect;

  CloseCode(int code, String reason, boolean reconnect) {
    this.code = (short) code;
    this.reason = reason;
    this.reconnect = reconnect;
  }
}

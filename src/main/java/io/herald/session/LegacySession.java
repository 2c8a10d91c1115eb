package io.herald.session;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.protocol.ClientMessage;
import io.herald.protocol.CloseCode;
import io.herald.protocol.MessageDecoder;
import io.herald.protocol.ServerMessages;
import io.vertx.core.json.JsonObject;

/**
 * A connection at {@code /websocket}: the legacy protocol's messages ({@code connect}, {@code
 * ping}, {@code sub}, {@code unsub}, {@code method}) over the connection's session — its login,
 * limits, subscriptions and calls, shared with {@link JsonRpcSession}. Confined to the connection's
 * event loop.
 */
final class LegacySession {

  private final Connection connection;

  LegacySession(Connection connection) {
    this.connection = connection;
  }

  void onText(String text) {
    ClientMessage message;
    try {
      message = MessageDecoder.decode(text, connection.maxJsonDepth());
    } catch (MessageDecoder.InvalidJson e) {
      connection.terminate(CloseCode.INVALID_JSON);
      return;
    } catch (MessageDecoder.Malformed e) {
      connection.malformed(e.getMessage());
      if (admitted(null)) {
        connection.send(ServerMessages.malformed(e.getMessage(), e.offending));
      }
      return;
    }
    if (admitted(message)) {
      handle(message);
    }
  }

  /**
   * Within the rate limit; else the message is answered, not handled: a {@code method} with its
   * {@code result} and ETOOMANYREFS, a {@code sub} with its {@code nosub}, anything else (or a
   * message that is not even valid, {@code message} null) with DDP's {@code error}.
   */
  private boolean admitted(ClientMessage message) {
    String reason = connection.admit();
    if (reason == null) {
      return true;
    }
    connection.send(refusal(message, reason));
    return false;
  }

  /** The answer to a message refused by the rate limit (see {@link #admitted}). */
  static JsonObject refusal(ClientMessage message, String reason) {
    if (message instanceof ClientMessage.Method m) {
      return ServerMessages.error(m.id(), ErrorDict.of(Errno.ETOOMANYREFS, reason));
    }
    if (message instanceof ClientMessage.Sub s) {
      return ServerMessages.nosub(s.id(), s.name(), ErrorDict.of(Errno.ETOOMANYREFS, reason));
    }
    return ServerMessages.malformed(reason, null);
  }

  private void handle(ClientMessage message) {
    if (message instanceof ClientMessage.Connect c) {
      connection.send(
          ServerMessages.PROTOCOL_VERSION.equals(c.version())
              ? ServerMessages.connected(connection.session())
              : ServerMessages.failed());
    } else if (message instanceof ClientMessage.Ping p) {
      connection.send(ServerMessages.pong(p.id()));
    } else if (message instanceof ClientMessage.Sub s) {
      connection.subscriptions().subscribe(s.id(), s.name(), s.snapshot(), s.resume());
    } else if (message instanceof ClientMessage.Unsub u) {
      connection.subscriptions().unsubscribe(u.id());
    } else if (message instanceof ClientMessage.Method m) {
      connection
          .invoke(m.method(), m.params(), m.id())
          .onComplete(
              ar ->
                  connection.send(
                      ar.succeeded()
                          ? ServerMessages.result(m.id(), ar.result().value())
                          : ServerMessages.error(m.id(), CallError.toErrorDict(ar.cause()))));
    }
  }
}

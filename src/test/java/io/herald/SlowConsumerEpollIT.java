package io.herald;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link SlowConsumerIT} on Netty's native transport, the node's default: there an event's frame
 * goes to the socket with one {@code send(2)} of its own, around Netty's outbound buffer, until the
 * kernel stops taking it ({@code session.SharedFrameWriter}), and the slow-consumer policy must
 * hold all the same.
 */
class SlowConsumerEpollIT extends SlowConsumerIT {

  private Vertx epoll;

  @Override
  Vertx nodeVertx(Vertx extensions) {
    epoll = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    assertTrue(
        epoll.isNativeTransportEnabled(),
        () -> "no native transport: " + epoll.unavailableNativeTransportCause());
    return epoll;
  }

  @AfterEach
  void closeEpoll() {
    epoll.close().await();
  }
}

package io.herald;

import io.vertx.core.Future;

/**
 * Something registered with the node that can be undone, such as a {@link Herald#consume} handler.
 */
@FunctionalInterface
public interface Registration {

  /** Undoes the registration; idempotent. */
  Future<Void> unregister();
}

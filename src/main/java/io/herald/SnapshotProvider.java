package io.herald;

import io.vertx.core.Future;

/**
 * Gives the current state of a collection-like broadcast event, for subscriptions that ask for it
 * first ({@code "snapshot": true}). Contract: the items and the positions must be read atomically
 * with respect to the event's publications — typically on the one context that both changes the
 * state and publishes it — so that every message at or before the reported position is reflected in
 * the items and none after it is.
 */
@FunctionalInterface
public interface SnapshotProvider {

  Future<Snapshot> snapshot();
}

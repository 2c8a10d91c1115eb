package io.herald;

/**
 * A message of a broadcast event as a consumer receives it, with its place in its publisher's
 * stream: the position's epoch is the id of the node that published it.
 */
public record Published(EventMessage message, StreamPosition position) {}

package io.herald;

/**
 * Creates the source for one parsed, validated argument ({@code null} when the subscriber gave
 * none).
 */
@FunctionalInterface
public interface SourceFactory {

  EventSource create(Object argument);
}

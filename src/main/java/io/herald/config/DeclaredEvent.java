package io.herald.config;

import io.herald.EventDescriptor;
import java.util.List;

/**
 * A broadcast event declared in configuration (an entry of {@code events:}): the descriptor the
 * node registers cluster-wide like a verticle's event (its {@code schema} is the descriptor's
 * {@link EventDescriptor#returns}), and who may publish it over HTTP ({@code POST /api/publish}).
 *
 * <p>{@code publishRoles} stay on the node that read the configuration: they are not part of the
 * descriptor (which says who may subscribe and is the same on every node), so each node applies the
 * {@code publish_roles} of its own configuration.
 *
 * @param publishRoles any one of these roles may publish; empty = {@code FULL_ADMIN} only; {@code
 *     AUTHENTICATED} = any valid API key
 */
public record DeclaredEvent(EventDescriptor descriptor, List<String> publishRoles) {

  public DeclaredEvent {
    publishRoles = List.copyOf(publishRoles);
  }

  public String name() {
    return descriptor.name();
  }
}

package io.herald.event;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The cluster-wide catalogue of events. Descriptors live in a cluster-wide map; each node keeps a
 * local copy, loaded at start and kept current by an announcement published on every registration.
 *
 * <p>Registering the same name twice on one node is an error. Registering an identical descriptor
 * on another node (every node registers the built-in events) is accepted; a different descriptor
 * under a name already registered anywhere in the cluster fails with EEXIST.
 */
public final class EventRegistry {

  private final Vertx vertx;
  private final Membership membership;
  private final Map<String, EventDescriptor> known = new ConcurrentHashMap<>();
  private final Map<String, EventDescriptor> registeredHere = new ConcurrentHashMap<>();
  private final List<Consumer<EventDescriptor>> listeners = new CopyOnWriteArrayList<>();
  private AsyncMap<String, JsonObject> map;
  private MessageConsumer<JsonObject> announcements;

  public EventRegistry(Vertx vertx, Membership membership) {
    this.vertx = vertx;
    this.membership = membership;
  }

  /**
   * Joins the cluster-wide catalogue: listens for announcements first, then loads what is already
   * there.
   */
  public Future<Void> start() {
    announcements =
        vertx
            .eventBus()
            .consumer(
                Addresses.EVENT_REGISTRATIONS, msg -> learn(EventDescriptor.fromJson(msg.body())));
    return announcements
        .completion()
        .compose(v -> membership.<String, JsonObject>map(Addresses.MAP_EVENTS))
        .compose(
            m -> {
              map = m;
              return m.values();
            })
        .map(
            values -> {
              values.forEach(json -> learn(EventDescriptor.fromJson(json)));
              return null;
            });
  }

  public Future<Void> stop() {
    return announcements == null ? Future.succeededFuture() : announcements.unregister();
  }

  public Future<Void> register(EventDescriptor descriptor) {
    if (registeredHere.putIfAbsent(descriptor.name(), descriptor) != null) {
      return Future.failedFuture(
          new CallError(
              ErrorDict.of(
                  Errno.EEXIST,
                  "Event '" + descriptor.name() + "' is already registered on this node")));
    }
    JsonObject json = descriptor.toJson();
    return map.putIfAbsent(descriptor.name(), json)
        .compose(
            existing -> {
              if (existing != null && !existing.equals(json)) {
                registeredHere.remove(descriptor.name());
                return Future.failedFuture(
                    new CallError(
                        ErrorDict.of(
                            Errno.EEXIST,
                            "Event '"
                                + descriptor.name()
                                + "' is already registered in the cluster with another definition")));
              }
              learn(descriptor);
              vertx.eventBus().publish(Addresses.EVENT_REGISTRATIONS, json);
              return Future.succeededFuture();
            });
  }

  /** The descriptor known on this node, or null. */
  public EventDescriptor get(String name) {
    return known.get(name);
  }

  /** The descriptor, looked up in the cluster-wide map when this node has not heard of it yet. */
  public Future<EventDescriptor> lookup(String name) {
    EventDescriptor local = known.get(name);
    if (local != null || map == null) {
      return Future.succeededFuture(local);
    }
    return map.get(name)
        .map(
            json -> {
              if (json == null) {
                return null;
              }
              EventDescriptor descriptor = EventDescriptor.fromJson(json);
              learn(descriptor);
              return descriptor;
            });
  }

  public Collection<EventDescriptor> all() {
    List<EventDescriptor> list = new ArrayList<>(known.values());
    list.sort((a, b) -> a.name().compareTo(b.name()));
    return list;
  }

  /**
   * {@code {name: {description, wildcard_subscription, accepts, returns}}} of every event that is
   * not private.
   */
  public JsonObject catalogue() {
    JsonObject catalogue = new JsonObject();
    for (EventDescriptor event : all()) {
      if (!event.hidden()) {
        catalogue.put(event.name(), event.catalogueEntry());
      }
    }
    return catalogue;
  }

  /**
   * Calls {@code listener} (on an arbitrary thread) once for every event this node learns of from
   * now on, whichever node registered it. Run the returned action to stop listening.
   */
  public Runnable onLearned(Consumer<EventDescriptor> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void learn(EventDescriptor descriptor) {
    if (known.putIfAbsent(descriptor.name(), descriptor) == null) {
      listeners.forEach(l -> l.accept(descriptor));
    }
  }
}

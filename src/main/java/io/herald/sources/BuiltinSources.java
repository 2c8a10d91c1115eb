package io.herald.sources;

import io.herald.Herald;
import io.herald.sources.alerts.Alerts;
import io.herald.sources.files.TailFollowSource;
import io.herald.sources.reporting.RealtimeSource;
import io.vertx.core.Future;

/** Registers the event sources every node serves, and the alert engine (unless {@code alerts.enabled} is false). */
public final class BuiltinSources {

  private BuiltinSources() {
  }

  public static Future<Void> register(Herald herald) {
    return Future.all(RealtimeSource.register(herald), TailFollowSource.register(herald), Alerts.register(herald))
        .mapEmpty();
  }
}

package io.herald.sources;

import io.herald.Herald;
import io.herald.sources.reporting.RealtimeSource;
import io.vertx.core.Future;

/** Registers the event sources every node serves. */
public final class BuiltinSources {

  private BuiltinSources() {
  }

  public static Future<Void> register(Herald herald) {
    return RealtimeSource.register(herald);
  }
}

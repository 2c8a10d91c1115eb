package io.herald.sources.reporting;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.Herald;
import io.herald.Roles;
import io.herald.SourceSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * {@code reporting.realtime}: this host's memory, CPU, disks and interfaces every {@code interval}
 * seconds, read from {@code /proc} and {@code /sys}. One instance per interval, shared by its
 * subscribers. Rates and CPU usage are deltas over the interval, so the first message comes one
 * interval after the start.
 */
public final class RealtimeSource implements EventSource {

  public static final String NAME = "reporting.realtime";
  public static final int DEFAULT_INTERVAL = 2;

  public static final EventDescriptor DESCRIPTOR =
      EventDescriptor.source(NAME)
          .description(
              """
          Real-time metrics of the host the client is connected to — or of the node `node` names — every \
          `interval` seconds (default 2, minimum 1): `virtual_memory`, `cpu` (per core and `average`, percent of \
          the interval per state, and `temperature`), `disks` (aggregate rates), `interfaces` (counters, rates and \
          link state), `loadavg` and the `node` id. Argument: `{"interval": seconds, "node": "<node id>"}`.""")
          .accepts(
              new JsonObject()
                  .put("type", "object")
                  .put(
                      "properties",
                      new JsonObject()
                          .put(
                              "interval",
                              new JsonObject()
                                  .put("type", "integer")
                                  .put("minimum", 1)
                                  .put("maximum", 3600))
                          .put("node", new JsonObject().put("type", "string").put("minLength", 1)))
                  .put("additionalProperties", false))
          .latestValueOnly(true)
          .roles(Roles.REPORTING_READ)
          .build();

  private final Vertx vertx;
  private final String nodeId;
  private final Path proc;
  private final Path sys;
  private final long intervalMs;
  private long timer = -1;
  private HostSample previous;
  private boolean stopped;

  RealtimeSource(Vertx vertx, String nodeId, Path proc, Path sys, Object argument) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.proc = proc;
    this.sys = sys;
    int interval =
        argument instanceof JsonObject json
            ? json.getInteger("interval", DEFAULT_INTERVAL)
            : DEFAULT_INTERVAL;
    this.intervalMs = interval * 1000L;
  }

  /** Registers {@code reporting.realtime} on this host's {@code /proc} and {@code /sys}. */
  public static Future<Void> install(Herald herald, Vertx vertx) {
    return herald.registerSource(
        DESCRIPTOR,
        argument ->
            new RealtimeSource(
                vertx, herald.nodeId(), Path.of("/proc"), Path.of("/sys"), argument));
  }

  @Override
  public Future<Void> start(SourceSink sink) {
    return sample()
        .map(
            first -> {
              previous = first;
              timer = vertx.setPeriodic(intervalMs, id -> tick(sink));
              return null;
            });
  }

  private void tick(SourceSink sink) {
    sample()
        .onComplete(
            ar -> {
              if (stopped) {
                return;
              }
              if (ar.failed()) {
                sink.fail(
                    ErrorDict.of(
                        Errno.EIO, "Reading host metrics failed: " + ar.cause().getMessage()));
                return;
              }
              HostSample now = ar.result();
              sink.emit(EventMessage.added(null, RealtimeReport.build(previous, now, nodeId)));
              previous = now;
            });
  }

  private Future<HostSample> sample() {
    return vertx
        .executeBlocking(() -> HostSample.read(proc, sys), false)
        .recover(e -> Future.failedFuture(new CallError(Errno.EIO, e.getMessage())));
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}

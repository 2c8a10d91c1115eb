package io.herald.bench;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Herald;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The benchmark's publisher inside a Herald node (deployed with {@code HERALD_VERTICLES}):
 * registers the broadcast event {@value BenchPayload#EVENT} and, on request of the control port
 * ({@code BENCH_CONTROL_PORT}, see {@link BenchControl}), publishes it through {@link
 * Herald#publish} on an open-loop schedule.
 */
public final class HeraldBenchPublisher extends VerticleBase {

  private final Herald herald;

  /** Deployed by the node ({@code verticles} setting), which passes itself. */
  public HeraldBenchPublisher(Herald herald) {
    this.herald = herald;
  }

  @Override
  public Future<?> start() {
    return herald
        .registerEvent(
            EventDescriptor.broadcast(BenchPayload.EVENT)
                .description("Benchmark job events (scripts/bench).")
                .build())
        .compose(
            v ->
                BenchControl.serve(
                    vertx,
                    BenchControl.env("BENCH_CONTROL_PORT"),
                    (run, seq, t) ->
                        herald.publish(
                            BenchPayload.EVENT,
                            EventMessage.changed(seq, BenchPayload.fields(seq, run, t)))));
  }
}

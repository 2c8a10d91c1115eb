package io.herald.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The W1 event of the benchmark: a ~300-byte {@code changed} frame of a core.get_jobs-like
 * collection. Its fields end with {@code "s":<seq>,"r":<run>,"t":<intended send time,
 * System.nanoTime()>} so that the load generator finds them by scanning the last bytes of a frame,
 * whatever envelope a peer wraps it in. {@code System.nanoTime()} is CLOCK_MONOTONIC on Linux, the
 * same clock in every process of the machine (node's {@code process.hrtime} too).
 */
public final class BenchPayload {

  /** The event (collection) name, also the SockJS address and the nchan channel. */
  public static final String EVENT = "bench.jobs";

  private BenchPayload() {}

  /** The job's fields. */
  public static JsonObject fields(long seq, long run, long t) {
    return new JsonObject()
        .put("id", seq)
        .put("method", "pool.scrub.scrub")
        .put("arguments", new JsonArray().add("tank").add("START"))
        .put("state", "RUNNING")
        .put(
            "progress",
            new JsonObject()
                .put("percent", seq % 100)
                .put("description", "Scrubbing 1.2 TiB of 4.8 TiB")
                .put("extra", null))
        .put("result", null)
        .put("error", null)
        .put("s", seq)
        .put("r", run)
        .put("t", t);
  }

  /**
   * The whole client frame, as Herald encodes it ({@code EventMessage.changed(seq,
   * fields).toFrame(EVENT)}).
   */
  public static JsonObject frame(long seq, long run, long t) {
    return new JsonObject()
        .put("msg", "changed")
        .put("collection", EVENT)
        .put("id", seq)
        .put("fields", fields(seq, run, t));
  }

  /**
   * A received frame's {seq, run, t}, or null when its tail carries none. Looks at the last 128
   * bytes only.
   */
  public static long[] parse(Buffer frame) {
    int len = frame.length();
    int stop = Math.max(0, len - 128);
    for (int i = len - 6; i >= stop; i--) {
      if (frame.getByte(i) == '"'
          && frame.getByte(i + 1) == 's'
          && frame.getByte(i + 2) == '"'
          && frame.getByte(i + 3) == ':') {
        long[] out = new long[3];
        int at = i + 4;
        for (int k = 0; k < 3; k++) {
          long v = 0;
          int start = at;
          while (at < len) {
            byte b = frame.getByte(at);
            if (b < '0' || b > '9') {
              break;
            }
            v = v * 10 + (b - '0');
            at++;
          }
          if (at == start) {
            return null;
          }
          out[k] = v;
          // skip ,"x":
          at += 5;
        }
        return out;
      }
    }
    return null;
  }
}

package io.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.config.Settings;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The blocked-thread checker of a node logs a stuck loop in a few lines, not one per second. */
class NodeVertxTest {

  @Test
  void aLoopStuckForAMinuteIsReportedAFewTimes() {
    VertxOptions options = NodeVertx.options(Settings.of(new JsonObject()));
    long interval =
        options
            .getBlockedThreadCheckIntervalUnit()
            .toMillis(options.getBlockedThreadCheckInterval());
    long warnAfter =
        options.getMaxEventLoopExecuteTimeUnit().toMillis(options.getMaxEventLoopExecuteTime());
    long stackAfter =
        options.getWarningExceptionTimeUnit().toMillis(options.getWarningExceptionTime());
    long stuckMs = TimeUnit.MINUTES.toMillis(1);
    long warnings = (stuckMs - warnAfter) / interval + 1;
    long stacks = Math.max(0, (stuckMs - stackAfter) / interval + 1);
    assertTrue(warnings <= 6, warnings + " warnings for a minute");
    assertTrue(stacks <= 5, stacks + " stack traces for a minute");
    assertEquals(2000, warnAfter, "a loop busy for 2 s is still reported");
  }
}

package io.herald.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import org.junit.jupiter.api.Test;

/** The bounded label values of the metrics: close codes and call outcomes. */
class HeraldMetricsTest {

  @Test
  void closeCodesAreHeraldsOwnTheStandardOnesOrOther() {
    assertEquals("4001", HeraldMetrics.closeLabel(4001));
    assertEquals("4008", HeraldMetrics.closeLabel(4008));
    assertEquals("1000", HeraldMetrics.closeLabel(1000));
    assertEquals("1006", HeraldMetrics.closeLabel(null), "no close frame");
    assertEquals("other", HeraldMetrics.closeLabel(4999));
    assertEquals("other", HeraldMetrics.closeLabel(3000));
    assertEquals("other", HeraldMetrics.closeLabel(65535));
  }

  @Test
  void outcomesNameTheKindOfFailure() {
    assertEquals("success", HeraldMetrics.outcome(null));
    assertEquals("not_found", HeraldMetrics.outcome(new CallError(ErrorDict.noMethod("x"))));
    assertEquals("denied", HeraldMetrics.outcome(new CallError(Errno.EACCES, "no")));
    assertEquals("denied", HeraldMetrics.outcome(new CallError(Errno.ENOTAUTHENTICATED, "no")));
    assertEquals("invalid", HeraldMetrics.outcome(new CallError(ErrorDict.validation("a", "b"))));
    assertEquals("timeout", HeraldMetrics.outcome(new CallError(Errno.ETIMEDOUT, "late")));
    assertEquals("limited", HeraldMetrics.outcome(new CallError(Errno.ETOOMANYREFS, "many")));
    assertEquals("error", HeraldMetrics.outcome(new CallError(Errno.EIO, "io")));
    assertEquals("error", HeraldMetrics.outcome(new IllegalStateException("bug")));
  }
}

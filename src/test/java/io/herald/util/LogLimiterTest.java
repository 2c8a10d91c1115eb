package io.herald.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The log-line budget: so many lines per window, then counted, and the count told later. */
class LogLimiterTest {

  @Test
  void givesItsBudgetPerWindowThenTellsHowManyItLeftOut() {
    AtomicLong now = new AtomicLong();
    LogLimiter limiter = new LogLimiter(2, 1000, now::get);
    assertEquals("", limiter.acquire());
    assertEquals("", limiter.acquire());
    for (int i = 0; i < 500; i++) {
      assertNull(limiter.acquire());
    }
    now.addAndGet(999);
    assertNull(limiter.acquire(), "the same window");
    now.addAndGet(1);
    assertEquals(" (501 similar lines suppressed)", limiter.acquire());
    assertEquals("", limiter.acquire());
    assertNull(limiter.acquire());
  }

  @Test
  void clipsClientText() {
    assertEquals("abc", LogLimiter.clip("abc", 3));
    assertEquals("ab...(3 chars)", LogLimiter.clip("abc", 2));
    assertNull(LogLimiter.clip(null, 2));
  }
}

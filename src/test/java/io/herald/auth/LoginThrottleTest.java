package io.herald.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final LoginThrottle throttle = new LoginThrottle(3, 60_000, now::get);

  @Test
  void atMostMaxFailuresPerWindowPerAddress() {
    for (int i = 0; i < 3; i++) {
      assertTrue(throttle.allows("10.0.0.1"));
      throttle.failed("10.0.0.1");
      now.addAndGet(1_000);
    }
    assertFalse(throttle.allows("10.0.0.1"));
    assertTrue(throttle.allows("10.0.0.2"), "other addresses are not affected");
    // The first failure leaves the window: one more attempt.
    now.set(1_000_000 + 60_000);
    assertTrue(throttle.allows("10.0.0.1"));
  }

  @Test
  void anAddressThatKeepsTryingStaysRefused() {
    // An attempt every 10 s, each failing (refused ones count too): never 3 in a minute fewer.
    for (int i = 0; i < 1000; i++) {
      throttle.failed("10.0.0.1");
      now.addAndGet(10_000);
      assertFalse(i >= 2 && throttle.allows("10.0.0.1"), "attempt " + i);
    }
    // A pause of a window lets it try again.
    now.addAndGet(60_000);
    assertTrue(throttle.allows("10.0.0.1"));
  }
}

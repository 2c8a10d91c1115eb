package io.herald.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.protocol.ClientMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket and the persistence rule, on a clock the test sets. */
class RateLimitTest {

  private static final long MS = 1_000_000;
  private final AtomicLong now = new AtomicLong(1_000 * MS);

  @Test
  void aBurstPassesThenTheRateRefills() {
    RateLimit limit = new RateLimit(10, 5, 3000, now::get);
    for (int i = 0; i < 5; i++) {
      assertTrue(limit.admit(), "message " + i + " of the burst");
    }
    assertFalse(limit.admit(), "the sixth at once is over the budget");
    now.addAndGet(99 * MS);
    assertFalse(limit.admit(), "not quite one token after 99 ms at 10/s");
    now.addAndGet(2 * MS);
    assertTrue(limit.admit(), "one token after 100 ms");
    assertFalse(limit.admit());
    now.addAndGet(60_000 * MS);
    for (int i = 0; i < 5; i++) {
      assertTrue(limit.admit(), "a long pause refills up to the burst, no more");
    }
    assertFalse(limit.admit());
    assertFalse(limit.persistent(), "refusals within a moment are not persistent");
  }

  @Test
  void refusedWithoutASecondsPauseForCloseAfterIsPersistent() {
    RateLimit limit = new RateLimit(10, 1, 3000, now::get);
    assertTrue(limit.admit());
    for (int ms = 0; ms < 2900; ms += 50) {
      limit.admit();
      now.addAndGet(50 * MS);
    }
    assertFalse(limit.persistent(), "2.9 s over budget");
    for (int ms = 0; ms <= 200; ms += 50) {
      limit.admit();
      now.addAndGet(50 * MS);
    }
    assertTrue(limit.persistent(), "over 3 s over budget");
  }

  @Test
  void aSecondWithoutRefusalStartsAFreshStreak() {
    RateLimit limit = new RateLimit(10, 1, 3000, now::get);
    for (int round = 0; round < 5; round++) {
      // 2 s over budget, then a 1.1 s pause: never 3 s in a row
      for (int ms = 0; ms < 2000; ms += 20) {
        limit.admit();
        now.addAndGet(20 * MS);
      }
      now.addAndGet(1100 * MS);
      assertFalse(limit.persistent(), "round " + round);
    }
  }

  @Test
  void refusalsAnswerMethodsAndSubsByIdAndTheRestWithError() {
    RateLimit limit = new RateLimit(100, 200, 5000, now::get);
    String reason = limit.reason();
    JsonObject result =
        LegacySession.refusal(new ClientMessage.Method(7, "core.ping", new JsonArray()), reason);
    assertEquals("result", result.getString("msg"));
    assertEquals(7, result.getValue("id"));
    assertEquals("ETOOMANYREFS", result.getJsonObject("error").getString("errname"));
    JsonObject nosub = LegacySession.refusal(new ClientMessage.Sub("s", "x.y"), reason);
    assertEquals("nosub", nosub.getString("msg"));
    assertEquals("x.y", nosub.getString("collection"));
    assertEquals("ETOOMANYREFS", nosub.getJsonObject("error").getString("errname"));
    JsonObject error = LegacySession.refusal(new ClientMessage.Ping("p"), reason);
    assertEquals("error", error.getString("msg"));
    assertTrue(error.getString("reason").startsWith("Rate limit exceeded"));
  }
}

package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedirectVerticleTest {

  @Test
  void theLocationIsTheSameHostPathAndQueryOnTheHttpsPort() {
    assertEquals(
        "https://herald.example:8443/api/status?x=1",
        RedirectVerticle.location("herald.example", 8443, "/api/status", "x=1"));
    assertEquals(
        "https://herald.example/websocket",
        RedirectVerticle.location("herald.example", 443, "/websocket", null));
    assertEquals("https://[::1]:8443/", RedirectVerticle.location("::1", 8443, "", null));
    assertEquals("https://[::1]:8443/", RedirectVerticle.location("[::1]", 8443, null, null));
  }
}

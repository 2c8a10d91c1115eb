package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

  private static final HostAndPort NODE = HostAndPort.create("herald.example", 8080);

  @Test
  void withoutOriginTheRequestIsNotFromABrowserAndGoesOn() {
    assertTrue(new OriginPolicy("").allows(null, "http", NODE));
  }

  @Test
  void theNodesOwnOriginGoesOnAnotherIsRefused() {
    OriginPolicy policy = new OriginPolicy("");
    assertTrue(policy.allows("http://herald.example:8080", "http", NODE));
    assertTrue(policy.allows("HTTP://Herald.Example:8080", "http", NODE));
    assertFalse(policy.allows("https://attacker.example", "http", NODE));
    assertFalse(policy.allows("http://herald.example:8081", "http", NODE), "another port");
    assertFalse(policy.allows("https://herald.example:8080", "http", NODE), "another scheme");
    assertFalse(policy.allows("null", "http", NODE), "a sandboxed page");
    assertFalse(policy.allows("http://attacker.example", "http", null), "no Host");
  }

  @Test
  void listedOriginsGoOnWithDefaultPortsMadeExplicit() {
    OriginPolicy policy = new OriginPolicy(" https://dash.example , http://ops.example:9000");
    assertTrue(policy.allows("https://dash.example:443", "http", NODE));
    assertTrue(policy.allows("https://dash.example", "http", NODE));
    assertTrue(policy.allows("http://ops.example:9000", "http", NODE));
    assertFalse(policy.allows("http://dash.example", "http", NODE));
  }

  @Test
  void aStarAllowsEveryOrigin() {
    assertTrue(new OriginPolicy("*").allows("https://anywhere.example", "http", NODE));
  }
}

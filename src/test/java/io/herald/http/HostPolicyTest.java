package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

class HostPolicyTest {

  private static HostAndPort host(String host) {
    return HostAndPort.create(host, 8080);
  }

  @Test
  void onLoopbackOnlyTheLoopbackNamesAreAllowedByDefault() {
    HostPolicy policy = new HostPolicy("", "127.0.0.1");
    assertTrue(policy.allows(host("localhost")));
    assertTrue(policy.allows(HostAndPort.create("127.0.0.1", 9999)), "any port");
    assertTrue(policy.allows(HostAndPort.create("LocalHost", -1)), "any case, no port");
    assertTrue(policy.allows(host("[::1]")));
    assertTrue(policy.allows(host("::1")), "IPv6 literal with or without brackets");
    assertFalse(policy.allows(host("attacker.example")), "a rebound name");
    assertFalse(policy.allows(host("localhost.attacker.example")));
    assertFalse(policy.allows(host("127.0.0.2")), "only the three names");
    assertTrue(policy.allows(null), "no Host: not a browser");
    assertFalse(policy.any());
  }

  @Test
  void everyLoopbackBindAddressCountsAsLoopback() {
    for (String bind : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) {
      assertTrue(HostPolicy.isLoopback(bind), bind);
      assertFalse(new HostPolicy("", bind).allows(host("attacker.example")), bind);
    }
    for (String bind : new String[] {"0.0.0.0", "10.0.0.5", "::", "herald.example", "cafe"}) {
      assertFalse(HostPolicy.isLoopback(bind), bind);
    }
  }

  @Test
  void onAnotherAddressAnyHostIsAllowedByDefault() {
    HostPolicy policy = new HostPolicy("", "0.0.0.0");
    assertTrue(policy.any());
    assertTrue(policy.allows(host("attacker.example")));
    assertTrue(new HostPolicy(" ", "10.0.0.5").allows(host("whatever.example")));
  }

  @Test
  void aListAllowsThoseNamesOnlyInAnyCaseAndWithAnyPort() {
    HostPolicy policy = new HostPolicy(" herald.example , 10.0.0.5,[fd00::1]", "0.0.0.0");
    assertTrue(policy.allows(host("herald.example")));
    assertTrue(policy.allows(HostAndPort.create("Herald.Example.", 443)), "case, trailing dot");
    assertTrue(policy.allows(host("10.0.0.5")));
    assertTrue(policy.allows(host("[fd00::1]")));
    assertFalse(policy.allows(host("attacker.example")));
    assertFalse(policy.allows(host("localhost")), "a list replaces the loopback names");
    assertFalse(new HostPolicy("herald.example", "127.0.0.1").allows(host("127.0.0.1")));
  }
}

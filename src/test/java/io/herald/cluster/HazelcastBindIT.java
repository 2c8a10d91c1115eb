package io.herald.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.herald.support.ClusterNodes;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Hazelcast member port listens on the member's own address only (cluster.xml's 127.0.0.1), not
 * on every interface: read from the kernel's table of listening sockets ({@code /proc/net/tcp} and
 * {@code tcp6}).
 */
class HazelcastBindIT {

  /** The local addresses of the listening TCP sockets on {@code port}. */
  static List<InetAddress> listeningOn(int port) throws IOException {
    List<InetAddress> addresses = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path file = Path.of(table);
      if (!Files.isReadable(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        // sl local_address rem_address st ...; st 0A = LISTEN
        if (f.length < 4 || !f[3].equals("0A") || !f[1].contains(":")) {
          continue;
        }
        String[] local = f[1].split(":");
        if (Integer.parseInt(local[1], 16) == port) {
          addresses.add(address(local[0]));
        }
      }
    }
    return addresses;
  }

  /**
   * An address as /proc prints it: 32-bit words in hex, each in the host's (little-endian) byte
   * order. An IPv4-mapped IPv6 address ({@code ::ffff:127.0.0.1}) comes out as its IPv4 address.
   */
  static InetAddress address(String hex) throws IOException {
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int b = 0; b < 4; b++) {
        int at = (word * 4 + (3 - b)) * 2;
        bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    return InetAddress.getByAddress(bytes);
  }

  @Test
  void theKernelsHexFormIsRead() throws IOException {
    assertEquals(InetAddress.getByName("127.0.0.1"), address("0100007F"));
    assertEquals(InetAddress.getByName("0.0.0.0"), address("00000000"));
    assertEquals(InetAddress.getByName("127.0.0.1"), address("0000000000000000FFFF00000100007F"));
    assertEquals(InetAddress.getByName("::"), address("00000000000000000000000000000000"));
    assertEquals(InetAddress.getByName("::1"), address("00000000000000000000000001000000"));
  }

  @Test
  void theMemberPortListensOnLoopbackOnly() throws IOException {
    assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "Linux /proc/net/tcp");
    try (ClusterNodes cluster = new ClusterNodes()) {
      cluster.start();
      int port = cluster.hazelcast(0).getCluster().getLocalMember().getAddress().getPort();
      List<InetAddress> addresses = listeningOn(port);
      assertFalse(addresses.isEmpty(), "a socket listens on the member port " + port);
      // 0.0.0.0 or :: would be every interface.
      assertEquals(
          List.of(InetAddress.getByName("127.0.0.1")),
          addresses,
          "listening addresses of port " + port);
    }
  }
}

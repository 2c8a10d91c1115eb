package io.herald.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.LocalMapStats;
import io.herald.bus.Addresses;
import io.herald.config.Settings;
import io.herald.node.Node;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** cluster.xml and the variants of conf/, and the cluster settings applied on top of them. */
class HazelcastConfigsTest {

  private static final String LOOPBACK = "cluster.xml";
  private static final String HOSTS = "conf/cluster-hosts.xml";
  private static final String KUBERNETES = "conf/cluster-kubernetes.xml";

  private static Config parse(String file) throws IOException {
    try (InputStream in = new FileInputStream(file)) {
      return new XmlConfigBuilder(in).build();
    }
  }

  private static Settings settings(Map<String, Object> dotted) {
    return Settings.of(TestNodes.nested(new JsonObject(Map.copyOf(dotted))));
  }

  private static void assertOnlyTcpIp(JoinConfig join) {
    assertTrue(join.getTcpIpConfig().isEnabled(), "tcp-ip on");
    assertFalse(join.getMulticastConfig().isEnabled(), "multicast off");
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "auto-detection off");
    assertFalse(join.getKubernetesConfig().isEnabled(), "kubernetes off");
    assertDoesNotThrow(() -> join.verify());
  }

  @Test
  void loopbackConfigJoinsOverTcpIpOn127001Only() throws IOException {
    Config config = parse(LOOPBACK);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertOnlyTcpIp(join);
    assertEquals(List.of("127.0.0.1"), join.getTcpIpConfig().getMembers());
    assertTrue(config.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(
        List.of("127.0.0.1"),
        List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals("0", config.getProperty("hazelcast.wait.seconds.before.join"));
  }

  @Test
  void hostsConfigJoinsOverTcpIpWithAMemberListAndUnpinnedInterfaces() throws IOException {
    Config config = parse(HOSTS);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertOnlyTcpIp(join);
    assertEquals(List.of("herald-1", "herald-2", "herald-3"), join.getTcpIpConfig().getMembers());
    assertFalse(config.getNetworkConfig().getInterfaces().isEnabled(), "interfaces not pinned");
    assertEquals(5701, config.getNetworkConfig().getPort());
    assertTrue(config.getNetworkConfig().isPortAutoIncrement());
    assertEquals("2", config.getProperty("hazelcast.heartbeat.interval.seconds"));
    assertEquals("20", config.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"));
  }

  @Test
  void kubernetesConfigUsesKubernetesDiscoveryOnly() throws IOException {
    Config config = parse(KUBERNETES);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled(), "kubernetes on");
    assertFalse(join.getTcpIpConfig().isEnabled(), "tcp-ip off");
    assertFalse(join.getMulticastConfig().isEnabled(), "multicast off");
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "auto-detection off");
    assertDoesNotThrow(() -> join.verify());
    assertEquals(
        Map.of("service-name", "herald-cluster", "resolve-not-ready-addresses", "true"),
        join.getKubernetesConfig().getProperties());
    assertFalse(config.getNetworkConfig().getInterfaces().isEnabled(), "interfaces not pinned");
  }

  @Test
  void defaultsKeepTheXmlJoinAndSetNameAndPort() {
    Config config = HazelcastConfigs.build(settings(Map.of("cluster.config", HOSTS)));
    assertEquals("herald", config.getClusterName());
    assertEquals(5701, config.getNetworkConfig().getPort());
    assertEquals(
        List.of("herald-1", "herald-2", "herald-3"),
        config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());

    Config loopback = HazelcastConfigs.build(Settings.of(new JsonObject()));
    assertEquals(
        List.of("127.0.0.1"), loopback.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
  }

  @Test
  void clusterNameAndPortOverrideTheXml() {
    Config config =
        HazelcastConfigs.build(
            settings(
                Map.of("cluster.config", HOSTS, "cluster.name", "blue", "cluster.port", 6123)));
    assertEquals("blue", config.getClusterName());
    assertEquals(6123, config.getNetworkConfig().getPort());
    assertTrue(config.getNetworkConfig().isPortAutoIncrement(), "auto-increment stays on");
    assertEquals(100, config.getNetworkConfig().getPortCount());
  }

  @Test
  void membersReplaceTheMemberList() {
    Config config =
        HazelcastConfigs.build(
            settings(
                Map.of(
                    "cluster.config",
                    HOSTS,
                    "cluster.members",
                    " 10.0.0.11, 10.0.0.12:5801 ,,db-3 ")));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertOnlyTcpIp(join);
    assertEquals(
        List.of("10.0.0.11", "10.0.0.12:5801", "db-3"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void membersTurnTcpIpJoinOnInsteadOfKubernetes() {
    Config config =
        HazelcastConfigs.build(
            settings(
                Map.of("cluster.config", KUBERNETES, "cluster.members", "10.0.0.11,10.0.0.12")));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertOnlyTcpIp(join);
    assertEquals(List.of("10.0.0.11", "10.0.0.12"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void aMissingConfigFileIsAnErrorNotTheLoopbackDefault() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                HazelcastConfigs.build(settings(Map.of("cluster.config", "conf/nonexistent.xml"))));
    assertTrue(e.getMessage().contains("conf/nonexistent.xml"), e.getMessage());
  }

  @Test
  void hazelcastSystemPropertiesOverrideTheFilesProperties() throws IOException {
    Properties system = new Properties();
    system.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    system.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
    system.setProperty("herald.http.port", "1234");
    Config config = HazelcastConfigs.apply(parse(HOSTS), settings(Map.of()), system);
    assertEquals("5", config.getProperty("hazelcast.merge.first.run.delay.seconds"));
    assertEquals("6", config.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals(
        "30", config.getProperty("hazelcast.merge.next.run.delay.seconds"), "not overridden");
    assertNull(config.getProperty("herald.http.port"), "only hazelcast.* properties");
  }

  @Test
  void theMemberPortBindsToItsOwnAddressOnlyUnlessTheFileOrAPropertySaysOtherwise()
      throws IOException {
    for (String file : List.of(LOOPBACK, HOSTS, KUBERNETES)) {
      assertEquals("false", parse(file).getProperty(HazelcastConfigs.BIND_ANY), file);
    }
    Properties none = new Properties();
    assertEquals(
        "false",
        HazelcastConfigs.apply(new Config(), settings(Map.of()), none)
            .getProperty(HazelcastConfigs.BIND_ANY),
        "a file of the operator's own that does not say");
    assertEquals(
        "true",
        HazelcastConfigs.apply(
                new Config().setProperty(HazelcastConfigs.BIND_ANY, "true"),
                settings(Map.of()),
                none)
            .getProperty(HazelcastConfigs.BIND_ANY),
        "the file says");
    Properties system = new Properties();
    system.setProperty(HazelcastConfigs.BIND_ANY, "true");
    assertEquals(
        "true",
        HazelcastConfigs.apply(parse(LOOPBACK), settings(Map.of()), system)
            .getProperty(HazelcastConfigs.BIND_ANY),
        "-Dhazelcast.socket.bind.any wins");
  }

  @Test
  void theCountersMapIsOnEveryNodeAndKeepsTheHigherValueAfterAPartition() {
    for (String file : List.of(LOOPBACK, HOSTS, KUBERNETES)) {
      MapConfig counters =
          HazelcastConfigs.build(settings(Map.of("cluster.config", file)))
              .getMapConfig(Addresses.MAP_COUNTERS);
      assertEquals(MapConfig.MAX_BACKUP_COUNT, counters.getTotalBackupCount(), file);
      assertEquals(
          HigherValueMergePolicy.class.getName(),
          counters.getMergePolicyConfig().getPolicy(),
          file);
    }
  }

  @Test
  void theNodeRecordsAndTheUnfinishedJobsAreOnEveryNode() {
    for (String file : List.of(LOOPBACK, HOSTS, KUBERNETES)) {
      Config config = HazelcastConfigs.build(settings(Map.of("cluster.config", file)));
      for (String map : List.of(Addresses.MAP_NODES, Addresses.MAP_LIVE_JOBS)) {
        assertEquals(1, config.getMapConfig(map).getBackupCount(), file + " " + map);
        assertEquals(
            MapConfig.MAX_BACKUP_COUNT,
            config.getMapConfig(map).getTotalBackupCount(),
            file + " " + map);
      }
    }
  }

  /** Three real nodes: each holds the job id block counter (the owner's copy or a backup). */
  @Test
  void everyNodeHoldsACopyOfTheCounters() {
    try (ClusterNodes cluster = new ClusterNodes()) {
      for (int i = 0; i < 3; i++) {
        TestNodes.await(
            cluster
                .start()
                .call("core.bulk", new JsonArray().add("core.ping").add(new JsonArray())));
      }
      for (int i = 0; i < 3; i++) {
        HazelcastInstance hz = cluster.hazelcast(i);
        TestNodes.eventually(
            10_000,
            "node " + i + " holds the counter",
            () -> {
              LocalMapStats stats = hz.getMap(Addresses.MAP_COUNTERS).getLocalMapStats();
              return stats.getOwnedEntryCount() + stats.getBackupEntryCount() == 1;
            });
      }
    }
  }

  /** Two real nodes on conf/cluster-hosts.xml, joined through cluster.members on this machine. */
  @Test
  void twoNodesOnTheHostsConfigFormOneCluster() throws IOException {
    int port = freePortRange(3);
    JsonObject overrides =
        new JsonObject()
            .put("cluster.config", HOSTS)
            .put("cluster.members", "127.0.0.1")
            .put("cluster.port", port);
    try (ClusterNodes cluster = new ClusterNodes()) {
      Node a = cluster.start(overrides);
      Node b = cluster.start(overrides);
      HazelcastInstance hzA = cluster.hazelcast(0);
      HazelcastInstance hzB = cluster.hazelcast(1);
      TestNodes.eventually(
          10_000,
          "both members see 2 members",
          () ->
              hzA.getCluster().getMembers().size() == 2
                  && hzB.getCluster().getMembers().size() == 2);
      for (Member member : hzA.getCluster().getMembers()) {
        int p = member.getAddress().getPort();
        assertTrue(p >= port && p < port + 3, "member port " + p + " from cluster.port " + port);
      }
      assertEquals(hzA.getConfig().getClusterName(), hzB.getConfig().getClusterName());
      TestNodes.eventually(
          10_000,
          "cluster.nodes lists both nodes",
          () ->
              ((JsonArray) TestNodes.await(b.call("cluster.nodes", new JsonArray()))).size() == 2);
      assertTrue(
          ((JsonArray) TestNodes.await(a.call("cluster.nodes", new JsonArray())))
              .stream().anyMatch(n -> ((JsonObject) n).getString("id").equals(b.nodeId())));
    }
  }

  /**
   * The first of {@code count} consecutive ports that are free now, away from 5701 and the
   * ephemeral range.
   */
  private static int freePortRange(int count) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int first = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      boolean free = true;
      for (int p = first; p < first + count && free; p++) {
        try (ServerSocket socket = new ServerSocket()) {
          socket.bind(new InetSocketAddress(p));
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return first;
      }
    }
    throw new IOException("no " + count + " free consecutive ports");
  }
}

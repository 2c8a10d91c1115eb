package io.herald.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.herald.bus.Addresses;
import io.herald.config.Settings;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The Hazelcast configuration of a node: the XML file named by {@code cluster.config}, then the
 * settings {@code cluster.name}, {@code cluster.port} and {@code cluster.members} applied on top of
 * it, then the JVM's {@code -Dhazelcast.*} system properties, and Herald's own small maps, held by
 * every node.
 */
public final class HazelcastConfigs {

  /** The default of {@code cluster.config}: the loopback configuration, packaged in the jar. */
  public static final String DEFAULT_FILE = "cluster.xml";

  /**
   * Hazelcast's property: whether the member port listens on every interface (its default, true) or
   * only on the address the member picked and advertises (the one of {@code <interfaces>}, else the
   * one matching the member list, else the first non-loopback one). Herald sets it to false when
   * the file does not set it; a {@code -Dhazelcast.socket.bind.any} still wins.
   */
  static final String BIND_ANY = "hazelcast.socket.bind.any";

  private HazelcastConfigs() {}

  /** The configuration file of {@code cluster.config} with the node's settings applied. */
  public static Config build(Settings settings) {
    return apply(load(settings.clusterConfig()), settings);
  }

  /**
   * Parses {@code path}: a file, else a classpath resource of that name (the jar packages {@code
   * cluster.xml} and {@code conf/cluster-*.xml}). For the default {@code cluster.xml} without such
   * a file, Vert.x's own lookup ({@code -Dvertx.hazelcast.config}, then the packaged {@code
   * cluster.xml}). Any other missing file is an error: falling back to the loopback configuration
   * would start a node that silently joins nobody.
   */
  public static Config load(String path) {
    File file = new File(path);
    if (file.isFile()) {
      try (InputStream in = new FileInputStream(file)) {
        return new XmlConfigBuilder(in).build();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read Hazelcast configuration " + file, e);
      }
    }
    if (path.equals(DEFAULT_FILE)) {
      return ConfigUtil.loadConfig();
    }
    String resource = path.startsWith("/") ? path.substring(1) : path;
    try (InputStream in = HazelcastConfigs.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException(
            "setting 'cluster.config': no file or classpath resource '" + path + "'");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read Hazelcast configuration " + path, e);
    }
  }

  /**
   * Applies the settings: the member port binds to the member's own address only ({@link #BIND_ANY}
   * false, unless the file says otherwise); the cluster name; the member port (the XML's
   * auto-increment and port count stay); and, when {@code cluster.members} is not empty, TCP/IP
   * join with exactly those members, every other join method off. Then the JVM's {@code
   * hazelcast.*} system properties replace the file's properties of the same name (Hazelcast itself
   * lets the file win), and Herald's small maps are configured.
   *
   * <p>Every node holds a copy of the maps of {@link Addresses#MAP_NODES} and {@link
   * Addresses#MAP_LIVE_JOBS} too (one synchronous backup, the others asynchronous), so that each
   * side of a network partition knows every node and every unfinished job of the other side: it
   * withdraws those nodes and settles those jobs (as it does for dead nodes); else it would know
   * only what happened to be stored on its side.
   */
  public static Config apply(Config config, Settings settings) {
    return apply(config, settings, System.getProperties());
  }

  static Config apply(Config config, Settings settings, Properties system) {
    if (config.getProperty(BIND_ANY) == null) {
      config.setProperty(BIND_ANY, "false");
    }
    system.stringPropertyNames().stream()
        .filter(name -> name.startsWith("hazelcast."))
        .forEach(name -> config.setProperty(name, system.getProperty(name)));
    config
        .getMapConfig(Addresses.MAP_COUNTERS)
        .setAsyncBackupCount(0)
        .setBackupCount(MapConfig.MAX_BACKUP_COUNT)
        .getMergePolicyConfig()
        .setPolicy(HigherValueMergePolicy.class.getName());
    for (String everywhere : List.of(Addresses.MAP_NODES, Addresses.MAP_LIVE_JOBS)) {
      config
          .getMapConfig(everywhere)
          .setBackupCount(1)
          .setAsyncBackupCount(MapConfig.MAX_BACKUP_COUNT - 1);
    }
    config.setClusterName(settings.clusterName());
    config.getNetworkConfig().setPort(settings.clusterPort());
    List<String> members = members(settings.clusterMembers());
    if (!members.isEmpty()) {
      JoinConfig join = config.getNetworkConfig().getJoin();
      join.getAutoDetectionConfig().setEnabled(false);
      join.getMulticastConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(false);
      join.getAwsConfig().setEnabled(false);
      join.getGcpConfig().setEnabled(false);
      join.getAzureConfig().setEnabled(false);
      join.getEurekaConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(members);
    }
    return config;
  }

  /**
   * {@code "a, b:5702"} → {@code [a, b:5702]}: separated by commas and/or spaces, blanks ignored.
   */
  static List<String> members(String list) {
    return Arrays.stream(list.split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
  }
}

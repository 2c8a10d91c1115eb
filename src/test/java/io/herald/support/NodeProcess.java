package io.herald.support;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Herald node in its own JVM process, started with the test classpath and {@code
 * io.herald.node.Main}. Its output goes to {@link #log}; {@link #start} returns once the node has
 * logged that it is ready (its HTTP server listens and its verticles are deployed).
 */
public final class NodeProcess implements AutoCloseable {

  /** The part of Main's "Herald node ... ready in N ms" line that says the node serves. */
  private static final String READY = " ready in ";

  public final int httpPort;
  public final Path log;
  private final Process process;

  private NodeProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** Starts a node and waits (up to 60 s) until it logs that it is ready. */
  public static NodeProcess start(int httpPort, Map<String, String> env, Path dataDir)
      throws IOException {
    return start(List.of(), httpPort, env, dataDir);
  }

  /**
   * Starts a node with {@code prefix} before the {@code java} command (e.g. {@code ip netns exec
   * <ns>}, which execs java in the same process), and waits until it logs that it is ready. {@code
   * HERALD_JAVA_OPTS} in {@code env} are JVM options, as for {@code scripts/run}.
   */
  public static NodeProcess start(
      List<String> prefix, int httpPort, Map<String, String> env, Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path log = dataDir.resolve("node-" + httpPort + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(java, "-Xmx256m"));
    command.addAll(
        Arrays.stream(env.getOrDefault("HERALD_JAVA_OPTS", "").split("\\s+"))
            .filter(option -> !option.isBlank())
            .toList());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.herald.node.Main"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(new File(System.getProperty("user.dir")));
    builder.environment().put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    builder.environment().put("HERALD_DATA_DIR", dataDir.toString());
    builder.environment().put("HERALD_LOG_LEVEL", "INFO");
    // The tests of other features do not log in (AuthIT and its kin set their own).
    builder.environment().put("HERALD_AUTH_ANONYMOUS_ROLES", "FULL_ADMIN");
    builder.environment().put("HERALD_AUTH_PBKDF2_ITERATIONS", "4096");
    builder.environment().putAll(env);
    NodeProcess node = new NodeProcess(builder.start(), httpPort, log);
    node.awaitReady(60_000);
    return node;
  }

  /**
   * Waits until the node has logged that it is ready (its log is polled: the node writes it
   * itself).
   */
  private void awaitReady(long ms) throws IOException {
    try {
      TestNodes.eventually(
          ms,
          "node on port " + httpPort + " logs that it is ready",
          () -> {
            if (!process.isAlive()) {
              throw new IllegalStateException("exited with " + process.exitValue());
            }
            try {
              return Files.readString(log).contains(READY);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (RuntimeException | AssertionError e) {
      throw new IllegalStateException(
          "node on port " + httpPort + " not ready (" + e.getMessage() + "):\n" + output(), e);
    }
  }

  /** {@code GET /api/status} of the node. */
  public JsonObject status() {
    return Http.status(httpPort);
  }

  /** The node's id (its cluster member id). */
  public String nodeId() {
    return status().getString("node");
  }

  /** SIGTERM, then the exit code (waits up to 30 s). */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node did not exit after SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGKILL. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** The node's process id. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /** A free local TCP port. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Distinct free ports away from the ephemeral range (for Hazelcast member ports: 5701.. is other
   * clusters').
   */
  public static int[] freePorts(int n) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < n) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (ports.contains(port)) {
        continue;
      }
      try (ServerSocket ignored = new ServerSocket(port)) {
        ports.add(port);
      } catch (IOException taken) {
        // try another
      }
    }
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }

  /** {@link #start} on a free port, from another thread. */
  public static CompletableFuture<NodeProcess> startAsync(Map<String, String> env, Path dataDir) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return start(freePort(), env, dataDir);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * {@code count} node processes of a new cluster on loopback (a member list of fixed free ports),
   * each running {@link TickPublisher} every 20 ms, with {@code env} added; their data under {@code
   * dir}/node{@code i}. The first is started alone, then the others at once: they join it (started
   * together with no cluster yet, each could form a cluster of its own). When one fails to start,
   * those already up are stopped.
   */
  public static List<NodeProcess> startTickCluster(Path dir, int count, Map<String, String> env)
      throws Exception {
    String cluster = "herald-ticks-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    int[] ports = freePorts(count);
    String members =
        java.util.Arrays.stream(ports)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(java.util.stream.Collectors.joining(","));
    List<NodeProcess> nodes = new ArrayList<>();
    try {
      nodes.add(start(freePort(), tickEnv(cluster, members, ports[0], env), dir.resolve("node1")));
      List<CompletableFuture<NodeProcess>> joining = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        joining.add(
            startAsync(tickEnv(cluster, members, ports[i], env), dir.resolve("node" + (i + 1))));
      }
      Exception failed = null;
      for (CompletableFuture<NodeProcess> node : joining) {
        try {
          nodes.add(node.get(90, TimeUnit.SECONDS)); // start gives up after 60 s
        } catch (Exception e) {
          failed = e;
        }
      }
      if (failed != null) {
        throw failed;
      }
      return nodes;
    } catch (Exception e) {
      for (NodeProcess node : nodes) {
        node.close();
      }
      throw e;
    }
  }

  private static Map<String, String> tickEnv(
      String cluster, String members, int memberPort, Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("HERALD_CLUSTER_NAME", cluster);
    env.put("HERALD_CLUSTER_MEMBERS", members);
    env.put("HERALD_CLUSTER_PORT", Integer.toString(memberPort));
    env.put("HERALD_VERTICLES", TickPublisher.class.getName());
    env.put("HERALD_TEST_TICK_MS", "20");
    env.put("HERALD_ALERTS_ENABLED", "false");
    env.putAll(extra);
    return env;
  }
}

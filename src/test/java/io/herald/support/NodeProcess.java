package io.herald.support;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Herald node in its own JVM process, started with the test classpath and {@code io.herald.Main}. */
public final class NodeProcess implements AutoCloseable {

  public final int httpPort;
  public final Path log;
  private final Process process;

  private NodeProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** Starts a node and waits until its HTTP port accepts connections. */
  public static NodeProcess start(int httpPort, Map<String, String> env, Path dataDir) throws IOException {
    return start(List.of(), "127.0.0.1", httpPort, env, dataDir);
  }

  /**
   * Starts a node with {@code prefix} before the {@code java} command (e.g. {@code ip netns exec <ns>}, which execs
   * java in the same process) and waits until {@code host:httpPort} accepts connections. {@code HERALD_JAVA_OPTS}
   * in {@code env} are JVM options, as for {@code scripts/run}.
   */
  public static NodeProcess start(List<String> prefix, String host, int httpPort, Map<String, String> env,
                                  Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path log = dataDir.resolve("node-" + httpPort + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(java, "-Xmx256m"));
    command.addAll(Arrays.stream(env.getOrDefault("HERALD_JAVA_OPTS", "").split("\\s+"))
        .filter(option -> !option.isBlank()).toList());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.herald.Main"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .directory(new File(System.getProperty("user.dir")));
    builder.environment().put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    builder.environment().put("HERALD_DATA_DIR", dataDir.toString());
    builder.environment().putAll(env);
    NodeProcess node = new NodeProcess(builder.start(), httpPort, log);
    node.awaitPort(host, 60_000);
    return node;
  }

  private void awaitPort(String host, long ms) throws IOException {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try (Socket ignored = new Socket(host, httpPort)) {
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    throw new IllegalStateException("node did not open port " + httpPort + ":\n" + Files.readString(log));
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
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

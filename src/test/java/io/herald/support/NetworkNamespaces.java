package io.herald.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on one LAN, on this machine: {@code n} network namespaces, each with a veth link to one
 * bridge, addresses {@code 10.213.<k>.1 .. n} (a /24 of the private range not routed here yet), and
 * the test's side of the bridge at {@code 10.213.<k>.254}. {@link #cut} takes a host off the
 * bridge; the test still reaches it over its own link (a host route), but the other hosts do not —
 * a network partition. Needs root and {@code ip} (iproute2).
 *
 * <p>Names carry this JVM's pid: {@code herald-pit-<pid>-<i>} for namespaces, {@code hpb<pid>} for
 * the bridge, {@code hpv<pid>x<i>} for the links. {@link #close} removes everything (also from a
 * shutdown hook, should the JVM be stopped), and {@link #create} first removes what earlier runs
 * whose JVM is gone left behind.
 */
public final class NetworkNamespaces implements AutoCloseable {

  private static final String PREFIX = "herald-pit-";

  private final long pid = ProcessHandle.current().pid();
  private final int hosts;
  private final String subnet;
  private final Thread hook = new Thread(this::removeQuietly, "netns-cleanup");

  private NetworkNamespaces(int hosts, String subnet) {
    this.hosts = hosts;
    this.subnet = subnet;
  }

  /** Why namespaces cannot be made here, or null when they can: tries to make one. */
  public static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root to create network namespaces (running as "
          + System.getProperty("user.name")
          + ")";
    }
    String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
    try {
      Result r = run(List.of("ip", "netns", "add", probe));
      if (r.code != 0) {
        return "'ip netns add' failed: " + r.output.trim();
      }
      run(List.of("ip", "netns", "del", probe));
      return null;
    } catch (IOException e) {
      return "no 'ip' command (iproute2): " + e.getMessage();
    }
  }

  /**
   * Creates {@code hosts} namespaces on a bridge; everything made is removed again when this fails.
   */
  public static NetworkNamespaces create(int hosts) throws IOException {
    removeLeftovers();
    NetworkNamespaces net = new NetworkNamespaces(hosts, freeSubnet());
    Runtime.getRuntime().addShutdownHook(net.hook);
    try {
      String bridge = net.bridge();
      ip("link", "add", bridge, "type", "bridge");
      // A bridge takes the lowest address of its links unless given one: taking a link off would
      // change it, and
      // the hosts would send the test's packets to the old one until they ask again (half a
      // minute).
      ip("link", "set", bridge, "address", "02:48:45:52:41:4c");
      ip("addr", "add", net.hostAddress() + "/24", "dev", bridge);
      ip("link", "set", bridge, "up");
      for (int i = 1; i <= hosts; i++) {
        String ns = net.namespace(i);
        ip("netns", "add", ns);
        ip("link", "add", net.link(i), "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", net.link(i), "master", bridge, "up");
        ip("-n", ns, "addr", "add", net.address(i) + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
      }
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /** Host {@code i}'s address (1-based). */
  public String address(int i) {
    return subnet + i;
  }

  /** The test's own address on the bridge. */
  public String hostAddress() {
    return subnet + 254;
  }

  /** The command prefix that runs a program on host {@code i}. */
  public List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /**
   * Takes host {@code i} off the bridge: the other hosts no longer reach it; the test still does.
   * The host forgets the link addresses it knew, or it would go on sending the test's packets to
   * the bridge's, for half a minute.
   */
  public void cut(int i) throws IOException {
    ip("link", "set", link(i), "nomaster");
    ip("route", "add", address(i) + "/32", "dev", link(i), "src", hostAddress());
    ip("-n", namespace(i), "neigh", "flush", "dev", "eth0");
  }

  /** Puts host {@code i} back on the bridge. */
  public void heal(int i) throws IOException {
    ip("route", "del", address(i) + "/32", "dev", link(i));
    ip("link", "set", link(i), "master", bridge());
    ip("-n", namespace(i), "neigh", "flush", "dev", "eth0");
  }

  @Override
  public void close() {
    removeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private String namespace(int i) {
    return PREFIX + pid + "-" + i;
  }

  private String bridge() {
    return "hpb" + pid;
  }

  private String link(int i) {
    return "hpv" + pid + "x" + i;
  }

  /**
   * Kills what still runs in the namespaces, then deletes them (with their end of each link, and so
   * the other).
   */
  private void removeQuietly() {
    for (int i = 1; i <= hosts; i++) {
      delete(namespace(i));
    }
    quietly(List.of("ip", "link", "del", bridge()));
  }

  private static void delete(String namespace) {
    try {
      for (String pid : run(List.of("ip", "netns", "pids", namespace)).output.split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid))
              .ifPresent(
                  p -> {
                    p.destroyForcibly();
                    p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join();
                  });
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // nothing runs there, or the namespace is gone
    }
    quietly(List.of("ip", "netns", "del", namespace));
  }

  /** Namespaces and bridges of earlier runs whose JVM is gone (killed before it could clean up). */
  private static void removeLeftovers() throws IOException {
    for (String line : run(List.of("ip", "netns", "list")).output.split("\n")) {
      String name = line.split(" ")[0];
      if (name.startsWith(PREFIX)) {
        long owner = Long.parseLong(name.substring(PREFIX.length(), name.lastIndexOf('-')));
        if (ProcessHandle.of(owner).isEmpty()) {
          delete(name);
          quietly(List.of("ip", "link", "del", "hpb" + owner));
        }
      }
    }
  }

  /** {@code 10.213.<k>.} for a {@code k} that no route of this machine uses. */
  private static String freeSubnet() throws IOException {
    String routes = run(List.of("ip", "-4", "route", "show", "table", "all")).output;
    long pid = ProcessHandle.current().pid();
    for (int attempt = 0; attempt < 250; attempt++) {
      String subnet = "10.213." + (int) ((pid + attempt) % 250 + 1) + ".";
      if (!routes.contains(subnet)) {
        return subnet;
      }
    }
    throw new IOException("no free 10.213.x.0/24 subnet");
  }

  private static void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Result r = run(command);
    if (r.code != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + r.code + "): " + r.output);
    }
  }

  private static void quietly(List<String> command) {
    try {
      run(command);
    } catch (IOException ignored) {
      // best effort
    }
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return new Result(process.exitValue(), output);
  }
}

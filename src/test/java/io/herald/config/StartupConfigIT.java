package io.herald.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.support.NodeProcess;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code io.herald.node.Main} in its own process and working directory: where its settings come
 * from, how it refuses bad ones.
 */
class StartupConfigIT {

  @Test
  void nodeInADirectoryWithoutConfRunsOnThePackagedDefaults(@TempDir Path dir) throws Exception {
    int port = NodeProcess.freePort();
    try (Node node = Node.start(dir, Map.of("HERALD_HTTP_PORT", Integer.toString(port)))) {
      String ready = node.awaitLine("ready in");
      // ws.path and cluster.name are the packaged defaults: no file in this directory set them.
      assertTrue(ready.contains(":" + port + "/websocket (cluster 'herald': off)"), ready);
      HttpResponse<String> status =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/status"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, status.statusCode());
    }
  }

  @Test
  void workingDirectoryConfFileIsReadWhenPresent(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/herald.yaml"), "ws:\n  path: /from-the-file\n");
    int port = NodeProcess.freePort();
    try (Node node = Node.start(dir, Map.of("HERALD_HTTP_PORT", Integer.toString(port)))) {
      String ready = node.awaitLine("ready in");
      assertTrue(ready.contains(":" + port + "/from-the-file (cluster 'herald': off)"), ready);
    }
  }

  @Test
  void badSettingIsOneLineAndExitCode1(@TempDir Path dir) throws Exception {
    try (Node node = Node.start(dir, Map.of("HERALD_HTTP_PORT", "abc"))) {
      assertEquals(1, node.exitCode(), "exit code");
      List<String> lines = node.output();
      List<String> errors = lines.stream().filter(line -> line.contains("ERROR")).toList();
      assertEquals(1, errors.size(), String.join("\n", lines));
      assertTrue(
          errors
              .get(0)
              .endsWith(
                  "Herald cannot start, bad configuration: "
                      + "setting 'http.port' (HERALD_HTTP_PORT): \"abc\" is not an integer"),
          errors.get(0));
      assertFalse(
          lines.stream().anyMatch(line -> line.startsWith("\tat ")), "no stack trace:\n" + lines);
    }
  }

  @Test
  void aTlsCertificateWithoutItsKeyIsOneLineAndExitCode1(@TempDir Path dir) throws Exception {
    try (Node node = Node.start(dir, Map.of("HERALD_HTTP_TLS_CERT", "/etc/herald/cert.pem"))) {
      assertEquals(1, node.exitCode(), "exit code");
      List<String> lines = node.output();
      List<String> errors = lines.stream().filter(line -> line.contains("ERROR")).toList();
      assertEquals(1, errors.size(), String.join("\n", lines));
      assertTrue(
          errors
              .get(0)
              .endsWith(
                  "Herald cannot start, bad configuration: setting 'http.tls.cert'"
                      + " (HERALD_HTTP_TLS_CERT) is set without 'http.tls.key': give both, or none"),
          errors.get(0));
    }
  }

  @Test
  void aFaultyDeclaredEventIsOneLineAndExitCode1(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("events.yaml");
    Files.writeString(
        file,
        """
        events:
          - name: backup.progress
            publish_roles: [BACKUP_WRITE]
          - name: deploy.done
            schema:
              type: objet
        """);
    try (Node node = Node.start(dir, Map.of("HERALD_CONFIG", file.toString()))) {
      assertEquals(1, node.exitCode(), "exit code");
      List<String> lines = node.output();
      List<String> errors = lines.stream().filter(line -> line.contains("ERROR")).toList();
      assertEquals(1, errors.size(), String.join("\n", lines));
      assertTrue(
          errors
              .get(0)
              .endsWith(
                  "Herald cannot start, bad configuration: event 'deploy.done' (events[1], "
                      + file
                      + "): 'schema' is not a valid JSON Schema 2020-12: at /type: Instance does"
                      + " not match any of"
                      + " [\"array\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\"]"),
          errors.get(0));
      assertFalse(
          lines.stream().anyMatch(line -> line.startsWith("\tat ")), "no stack trace:\n" + lines);
    }
  }

  /** Main in its own working directory, standalone, its output read line by line. */
  private record Node(
      Process process, BlockingQueue<String> unread, List<String> lines, Thread reader)
      implements AutoCloseable {

    static Node start(Path dir, Map<String, String> env) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder =
          new ProcessBuilder(java, "-Xmx256m", "-cp", classpath(), "io.herald.node.Main")
              .directory(dir.toFile())
              .redirectErrorStream(true);
      builder.environment().keySet().removeIf(name -> name.startsWith("HERALD_"));
      builder.environment().put("HERALD_CLUSTER_ENABLED", "false");
      builder.environment().put("HERALD_DATA_DIR", dir.resolve("data").toString());
      builder.environment().putAll(env);
      Process process = builder.start();
      BlockingQueue<String> unread = new LinkedBlockingQueue<>();
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out = process.inputReader()) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                    unread.add(line);
                  }
                } catch (IOException ignored) {
                  // the process is gone
                }
              },
              "node-output");
      reader.start();
      return new Node(process, unread, lines, reader);
    }

    /** The first line (not returned before) containing {@code text}, waiting up to 60 s for it. */
    String awaitLine(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        String line = unread.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("no line with '" + text + "' in:\n" + String.join("\n", lines));
        }
        if (line.contains(text)) {
          return line;
        }
      }
    }

    /** Waits up to 60 s for the process to exit and its output to be read. */
    int exitCode() throws InterruptedException {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the node exits");
      reader.join(10_000);
      return process.exitValue();
    }

    List<String> output() {
      return List.copyOf(lines);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }

    /** The test classpath with absolute entries, as the child runs elsewhere. */
    private static String classpath() {
      return String.join(
          File.pathSeparator,
          Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
              .map(entry -> new File(entry).getAbsolutePath())
              .toList());
    }
  }
}

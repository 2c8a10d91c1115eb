package io.herald.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Node.js scripts of src/test/node run against real nodes. {@link #install} installs the packages
 * of its package-lock.json ({@code npm ci}) when node_modules is missing or older than the lock
 * file, so a clean clone's {@code mvn verify} (CI) installs them; {@link #run} runs a command
 * there. Needs {@code node} and {@code npm} on the PATH.
 */
public final class NodeScripts {

  public static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();

  private NodeScripts() {}

  /** The outcome of a command. */
  public record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /** {@code npm ci} unless node_modules is what the lock file says. */
  public static synchronized void install() throws IOException, InterruptedException {
    Path lock = DIR.resolve("package-lock.json");
    // npm writes node_modules/.package-lock.json on every install: missing or older than the lock
    // file, node_modules is not what the lock file says.
    Path installed = DIR.resolve("node_modules").resolve(".package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    // --ignore-scripts: nothing of the packages runs at install; --prefer-offline: npm's cache
    // when it has the locked versions, else the registry.
    Result npm =
        run(
            List.of("npm", "ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"),
            Map.of(),
            300);
    if (npm.exit != 0) {
      throw new AssertionError("npm ci in " + DIR + " failed:\n" + npm);
    }
  }

  /**
   * Runs {@code command} in src/test/node with {@code env} added to the environment (its output to
   * files: nothing blocks on a full pipe), killed after {@code timeoutSeconds}.
   */
  public static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    Files.createDirectories(Path.of("target"));
    Path out = Files.createTempFile(Path.of("target"), "node-out-", ".txt");
    Path err = Files.createTempFile(Path.of("target"), "node-err-", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(new ArrayList<>(command))
            .directory(DIR.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run " + command.get(0) + ": this test needs Node.js and npm on the PATH", e);
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return new Result(
          -1,
          Files.readString(out, StandardCharsets.UTF_8),
          "killed after " + timeoutSeconds + " s\n" + Files.readString(err));
    }
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /**
   * The {@code node} options that give this Node.js a global {@code WebSocket}: none on Node.js 22
   * and later, {@code --experimental-websocket} on 20 and 21; null when it has none.
   */
  public static List<String> globalWebSocketOptions() throws IOException, InterruptedException {
    for (List<String> options : List.of(List.<String>of(), List.of("--experimental-websocket"))) {
      List<String> command = new ArrayList<>(List.of("node"));
      command.addAll(options);
      command.addAll(List.of("-p", "typeof WebSocket"));
      Result r = run(command, Map.of(), 30);
      if (r.exit == 0 && r.stdout.trim().equals("function")) {
        return options;
      }
    }
    return null;
  }
}

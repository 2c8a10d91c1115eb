package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JSON-RPC 2.0 at /api/current driven by a client Herald did not write: the npm package {@code
 * rpc-websockets} (pinned in src/test/node/package.json and package-lock.json), run by Node.js from
 * src/test/node/jsonrpc-check.mjs against a secured node. The script logs in with {@code
 * auth.login_ex}, subscribes to {@code core.get_jobs}, runs {@code filesystem.checksum} with {@code
 * legacy_jobs: false} (the call answers the digest; the job's {@code collection_update}s name the
 * call's id in {@code message_ids}), checks {@code -32601} and {@code -32602} and unsubscribes; it
 * prints a JSON summary and exits non-zero on any mismatch.
 *
 * <p>Needs {@code node} and {@code npm} on the PATH. The package is installed here ({@code npm ci},
 * from the lock file) when src/test/node/node_modules is missing or older than the lock file, so a
 * clean clone's {@code mvn verify} (CI) installs it.
 */
@ExtendWith(VertxExtension.class)
class ThirdPartyJsonRpcIT {

  private static final Path SCRIPT_DIR = Path.of("src", "test", "node").toAbsolutePath();

  @BeforeAll
  static void installClient() throws Exception {
    Path lock = SCRIPT_DIR.resolve("package-lock.json");
    // npm writes node_modules/.package-lock.json on every install: missing or older than the lock
    // file, node_modules is not what the lock file says.
    Path installed = SCRIPT_DIR.resolve("node_modules").resolve(".package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    // --ignore-scripts: nothing of the packages runs at install (ws's optional native helpers,
    // bufferutil and utf-8-validate, are not needed); --prefer-offline: npm's cache when it has
    // the locked versions, else the registry.
    Result npm =
        run(
            List.of("npm", "ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"),
            "",
            300);
    assertEquals(0, npm.exit, "npm ci in " + SCRIPT_DIR + " failed:\n" + npm);
  }

  @Test
  void rpcWebsocketsDrivesTheEndpoint(Vertx vertx) throws Exception {
    Path data = TestNodes.freshDir().toAbsolutePath();
    Path logs = Files.createDirectories(data.resolve("logs"));
    // Large enough for the job to report progress on its way.
    byte[] content = new byte[512 * 1024];
    new Random(11).nextBytes(content);
    Path file = Files.write(logs.resolve("sample.log"), content).toRealPath();
    String expected =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));

    Node node = TestNodes.secured(vertx, new JsonObject().put("data.dir", data.toString()));
    try {
      Result check =
          run(
              List.of(
                  "node",
                  "jsonrpc-check.mjs",
                  Integer.toString(node.httpPort()),
                  "admin",
                  file.toString()),
              TestNodes.ADMIN_PASSWORD,
              90);
      assertEquals(0, check.exit, "the rpc-websockets check failed:\n" + check);
      JsonObject summary = new JsonObject(check.stdout);
      assertTrue(summary.getBoolean("ok"), check.stdout);
      assertEquals(new JsonArray(), summary.getJsonArray("failures"), check.stdout);

      JsonObject checksum = summary.getJsonObject("checksum");
      assertEquals(expected, checksum.getString("result"), "the digest the call answered");
      Object requestId = checksum.getValue("request_id");
      JsonArray updates = checksum.getJsonArray("job_updates");
      assertFalse(updates.isEmpty(), check.stdout);
      for (Object update : updates) {
        JsonObject u = (JsonObject) update;
        assertTrue(u.getJsonArray("message_ids").contains(requestId), u.encode());
        assertEquals("filesystem.checksum", u.getString("method"), u.encode());
      }
      assertEquals(
          "SUCCESS", updates.getJsonObject(updates.size() - 1).getString("state"), check.stdout);
      assertEquals(expected, updates.getJsonObject(updates.size() - 1).getString("result"));

      JsonObject unknown = summary.getJsonObject("unknown_method");
      assertEquals(-32601, unknown.getInteger("code"), unknown.encode());
      assertEquals("ENOMETHOD", unknown.getJsonObject("data").getString("errname"));
      JsonObject invalid = summary.getJsonObject("invalid_params");
      assertEquals(-32602, invalid.getInteger("code"), invalid.encode());
      assertFalse(invalid.getJsonObject("data").getJsonArray("extra").isEmpty());
    } finally {
      TestNodes.await(node.close());
    }
  }

  private record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /**
   * Runs {@code command} in src/test/node (its output to files: nothing blocks on a full pipe),
   * {@code password} as HERALD_PASSWORD, killed after {@code timeoutSeconds}.
   */
  private static Result run(List<String> command, String password, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(Path.of("target"), "node-out-", ".txt");
    Path err = Files.createTempFile(Path.of("target"), "node-err-", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(SCRIPT_DIR.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("HERALD_PASSWORD", password);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run " + command.get(0) + ": this test needs Node.js and npm on the PATH", e);
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
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
}

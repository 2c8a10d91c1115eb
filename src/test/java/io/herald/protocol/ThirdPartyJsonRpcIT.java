package io.herald.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.NodeScripts;
import io.herald.support.SampleFile;
import io.herald.support.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  @BeforeAll
  static void installClient() throws Exception {
    NodeScripts.install();
  }

  @Test
  void rpcWebsocketsDrivesTheEndpoint(Vertx vertx) throws Exception {
    Path data = TestNodes.freshDir().toAbsolutePath();
    Path logs = Files.createDirectories(data.resolve("logs"));
    // Large enough for the job to report progress on its way.
    SampleFile sample = SampleFile.write(logs, "sample.log", 512 * 1024, 11);
    Path file = sample.path();
    String expected = sample.sha256();

    Node node = TestNodes.secured(vertx, new JsonObject().put("data.dir", data.toString()));
    try {
      NodeScripts.Result check =
          NodeScripts.run(
              List.of(
                  "node",
                  "jsonrpc-check.mjs",
                  Integer.toString(node.httpPort()),
                  "admin",
                  file.toString()),
              Map.of("HERALD_PASSWORD", TestNodes.ADMIN_PASSWORD),
              90);
      assertEquals(0, check.exit(), "the rpc-websockets check failed:\n" + check);
      JsonObject summary = new JsonObject(check.stdout());
      assertTrue(summary.getBoolean("ok"), check.stdout());
      assertEquals(new JsonArray(), summary.getJsonArray("failures"), check.stdout());

      JsonObject checksum = summary.getJsonObject("checksum");
      assertEquals(expected, checksum.getString("result"), "the digest the call answered");
      Object requestId = checksum.getValue("request_id");
      JsonArray updates = checksum.getJsonArray("job_updates");
      assertFalse(updates.isEmpty(), check.stdout());
      for (Object update : updates) {
        JsonObject u = (JsonObject) update;
        assertTrue(u.getJsonArray("message_ids").contains(requestId), u.encode());
        assertEquals("filesystem.checksum", u.getString("method"), u.encode());
      }
      assertEquals(
          "SUCCESS", updates.getJsonObject(updates.size() - 1).getString("state"), check.stdout());
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
}

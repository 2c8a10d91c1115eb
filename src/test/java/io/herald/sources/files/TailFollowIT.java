package io.herald.sources.files;

import static io.herald.support.Messages.sub;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code filesystem.file_tail_follow} on real files. */
@ExtendWith(VertxExtension.class)
class TailFollowIT {

  @TempDir Path root;
  private Vertx vertx;
  private Node herald;
  private Path log;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx, new JsonObject().put("files.roots", root.toString()));
    log = root.resolve("app.log");
    Files.writeString(log, "one\ntwo\nthree\nfour\nfive\n");
  }

  private static String data(JsonObject message) {
    assertEquals("added", message.getString("msg"));
    return message.getJsonObject("fields").getString("data");
  }

  private static void append(Path file, String text) throws Exception {
    Files.writeString(file, text, StandardOpenOption.APPEND);
  }

  /** Appended text may arrive over several batches: collect until {@code expected} is complete. */
  private static void expectText(WsClient c, String expected) {
    StringBuilder got = new StringBuilder();
    while (got.length() < expected.length()) {
      got.append(data(c.next()));
    }
    assertEquals(expected, got.toString());
  }

  @Test
  void sendsTheLastThreeLinesThenAppendedText() throws Exception {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      String name = "filesystem.file_tail_follow:" + log;
      c.subscribe("t", name);
      JsonObject first = c.next();
      assertEquals(name, first.getString("collection"));
      assertEquals("three\nfour\nfive\n", data(first));
      append(log, "six\n");
      append(log, "seven\n");
      expectText(c, "six\nseven\n");
    }
  }

  @Test
  void lineCountComesFromRawOrJsonArgument() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("raw", "filesystem.file_tail_follow:" + log + ":1");
      assertEquals("five\n", data(c.next()));
      c.subscribe(
          "json",
          "filesystem.file_tail_follow:"
              + new JsonObject().put("path", log.toString()).put("tail_lines", 2));
      assertEquals("four\nfive\n", data(c.next()));
    }
  }

  @Test
  void aSecondSubscriberGetsItsOwnLastLines() throws Exception {
    try (WsClient a = WsClient.connect(vertx, herald.httpPort());
        WsClient b = WsClient.connect(vertx, herald.httpPort())) {
      a.subscribe("a", "filesystem.file_tail_follow:" + log);
      assertEquals("three\nfour\nfive\n", data(a.next()));
      append(a == null ? log : log, "six\n");
      expectText(a, "six\n");
      b.subscribe("b", "filesystem.file_tail_follow:" + log);
      assertEquals("four\nfive\nsix\n", data(b.next()));
      assertEquals(1, herald.stats().sources.get());
      append(log, "seven\n");
      expectText(a, "seven\n");
      expectText(b, "seven\n");
    }
  }

  @Test
  void truncationRestartsFromTheBeginning() throws Exception {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("t", "filesystem.file_tail_follow:" + log);
      c.next();
      Files.writeString(log, "new\n");
      expectText(c, "new\n");
    }
  }

  @Test
  void rotationFollowsTheNewFile() throws Exception {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("t", "filesystem.file_tail_follow:" + log);
      c.next();
      Files.move(log, root.resolve("app.log.1"));
      Files.writeString(root.resolve("app.log.tmp"), "rotated first line that is long enough\n");
      Files.move(root.resolve("app.log.tmp"), log);
      expectText(c, "rotated first line that is long enough\n");
    }
  }

  @Test
  void missingFileGetsNosubWithEnoent() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.send(sub("m", "filesystem.file_tail_follow:" + root.resolve("absent.log")));
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("ENOENT", nosub.getJsonObject("error").getString("errname"));
    }
  }

  @Test
  void aFileThatDisappearsEndsTheSubscriptionWithEnoent() throws Exception {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.subscribe("t", "filesystem.file_tail_follow:" + log);
      c.next();
      Files.delete(log);
      JsonObject nosub = c.next();
      assertEquals("nosub", nosub.getString("msg"));
      assertEquals("t", nosub.getString("id"));
      assertEquals("ENOENT", nosub.getJsonObject("error").getString("errname"));
      TestNodes.eventually(3000, "source released", () -> herald.stats().sources.get() == 0);
    }
  }

  @Test
  void pathOutsideTheRootsGetsNosubWithEacces() {
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      for (String path :
          new String[] {"/etc/hostname", root + "/../" + root.getFileName() + "-outside"}) {
        c.send(sub(path, "filesystem.file_tail_follow:" + path));
        JsonObject nosub = c.next();
        assertEquals("nosub", nosub.getString("msg"), nosub.encode());
        String errname = nosub.getJsonObject("error").getString("errname");
        // EACCES whether the path exists or not: the answer tells nothing of the host outside the
        // roots.
        assertEquals("EACCES", errname, nosub.encode());
      }
    }
  }
}

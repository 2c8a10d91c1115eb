package io.herald.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.herald.node.Node;
import io.herald.support.NodeProcess;
import io.herald.support.Prometheus;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The node's log: a line per connection opened and closed, carrying its session id; {@code
 * log.format: json} writes one JSON object per line; a flood of malformed messages costs a bounded
 * number of lines.
 */
@ExtendWith(VertxExtension.class)
class LogsIT {

  @Test
  void theJsonFormatWritesOneJsonObjectPerLineAndMetricsHaveVertxsOwn(Vertx vertx)
      throws Exception {
    Path dir = TestNodes.freshDir();
    int port = NodeProcess.freePort();
    try (NodeProcess node =
        NodeProcess.start(
            port,
            Map.of(
                "HERALD_LOG_FORMAT",
                "json",
                "HERALD_CLUSTER_ENABLED",
                "false",
                "HERALD_METRICS_VERTX",
                "true"),
            dir)) {
      String session;
      try (WsClient client = WsClient.connect(vertx, port)) {
        client.send(new JsonObject().put("msg", "connect").put("version", "1"));
        session = client.next().getString("session");
        client.send(new JsonObject().put("msg", "bogus"));
        client.next();
      }
      TestNodes.eventually(
          5000,
          "the close is logged",
          () -> {
            try {
              return node.output().contains("connection closed");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      // the process' metrics: Herald's, the JVM's and Vert.x's own
      String metrics = Prometheus.scrape(port);
      assertTrue(metrics.contains("\nherald_connections{"), "herald_connections");
      assertTrue(metrics.contains("\njvm_memory_used_bytes{"), "jvm metrics");
      assertTrue(metrics.contains("\nvertx_http_server_"), "Vert.x's HTTP server metrics");
      assertTrue(!metrics.contains("herald.event."), "no event-bus address is a label value");

      assertEquals(0, node.terminate());
      List<String> lines = Files.readAllLines(node.log);
      assertTrue(lines.size() > 5, "the node logged: " + lines);
      int opened = 0;
      int closed = 0;
      for (String line : lines) {
        JsonObject entry;
        try {
          entry = new JsonObject(line);
        } catch (RuntimeException e) {
          throw new AssertionError("not one JSON object: " + line, e);
        }
        assertTrue(entry.containsKey("level"), line);
        assertTrue(entry.containsKey("timestamp"), line);
        String message = entry.getString("formattedMessage", "");
        if (message.startsWith("connection open: session ")) {
          opened++;
          assertTrue(message.contains(" at /websocket from 127.0.0.1"), message);
        }
        if (message.startsWith("connection closed: session ")) {
          closed++;
          assertTrue(message.contains(": code 1000"), message);
          assertTrue(message.contains("1 malformed"), message);
        }
      }
      assertEquals(1, opened, "one open line");
      assertEquals(1, closed, "one close line");
      assertTrue(
          String.join("\n", lines).contains("ready in"), "the ready line is JSON too: " + lines);
      String all = String.join("\n", lines);
      assertTrue(
          all.contains("connection open: session " + session)
              && all.contains("connection closed: session " + session),
          "the lines carry the connection's session id " + session);
    }
  }

  @Test
  void aFloodOfMalformedMessagesIsLoggedBoundedlyAndCountedAtTheClose(Vertx vertx) {
    Logger root = (Logger) LoggerFactory.getLogger("io.herald");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    try {
      Node herald =
          TestNodes.standalone(
              vertx,
              new JsonObject()
                  .put("limits.messages-per-second", 100_000)
                  .put("limits.message-burst", 100_000));
      int port = herald.httpPort();
      int connections = 5;
      int perConnection = 400;
      for (int c = 0; c < connections; c++) {
        try (WsClient legacy = WsClient.connect(vertx, port);
            WsClient jsonRpc = WsClient.connect(vertx, port, "/api/current")) {
          for (int i = 0; i < perConnection; i++) {
            legacy.send(new JsonObject().put("msg", "bogus-" + i));
            jsonRpc.sendText("{not json " + i);
          }
          legacy.sync();
          for (int i = 0; i < perConnection; i++) {
            assertEquals(-32700, jsonRpc.next().getJsonObject("error").getInteger("code"));
          }
        }
      }
      TestNodes.eventually(
          5000,
          "every close logged",
          () ->
              captured.list.stream()
                      .filter(e -> e.getFormattedMessage().startsWith("connection closed"))
                      .count()
                  == 2 * connections);
      List<String> messages =
          captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      long hostile =
          messages.stream()
              .filter(m -> m.contains("malformed message") || m.contains("bogus"))
              .count();
      // 4,000 malformed messages: at most one line per connection, within the process' budget
      assertTrue(hostile <= 2 * connections, hostile + " lines about them: " + messages);
      assertTrue(
          messages.size() <= 2 * connections * 3 + 10,
          "a bounded log for 4,000 bad messages: " + messages.size() + " lines");
      long counted =
          messages.stream()
              .filter(
                  m ->
                      m.startsWith("connection closed")
                          && m.contains(", " + perConnection + " malformed"))
              .count();
      assertEquals(2 * connections, counted, "each close line counts them: " + messages);
    } finally {
      root.detachAppender(captured);
    }
  }
}

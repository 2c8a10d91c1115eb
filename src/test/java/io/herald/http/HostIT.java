package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.node.Node;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Host check ({@code http.allowed-hosts}, the DNS-rebinding defence) on real requests: every
 * request connects to the node on 127.0.0.1 and names the Host the test gives, as a browser whose
 * page's name was pointed at the node's address would.
 */
@ExtendWith(VertxExtension.class)
class HostIT {

  /** An answer: its status and what followed the headers (read until the server closes). */
  private record Answer(int status, String body) {}

  /**
   * One request over a plain socket to the node on 127.0.0.1, with exactly the {@code Host} given
   * (an HTTP client would derive it from where it connects). {@code upgrade}: a websocket upgrade
   * request.
   */
  private static Answer request(int port, String host, String uri, boolean upgrade) {
    String request =
        "GET "
            + uri
            + " HTTP/1.1\r\nHost: "
            + host
            + ":"
            + port
            + "\r\n"
            + (upgrade
                ? "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                : "Connection: close\r\n")
            + "\r\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) WsClient.WAIT_MS);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String statusLine = in.readLine();
      if (statusLine == null) {
        throw new AssertionError("no answer to " + request);
      }
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      if (upgrade) {
        return new Answer(status, ""); // the status is the answer (an open websocket stays open)
      }
      StringBuilder rest = new StringBuilder();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        // headers
      }
      char[] buffer = new char[4096];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        rest.append(buffer, 0, n);
      }
      return new Answer(status, rest.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Answer get(int port, String host, String uri) {
    return request(port, host, uri, false);
  }

  private static int upgrade(int port, String host) {
    return request(port, host, "/websocket", true).status();
  }

  /** Regression: {@code Host: attacker.example} was served by a node bound to loopback. */
  @Test
  void aNodeOnLoopbackAnswersOnlyToTheLoopbackNames(Vertx vertx) {
    Node herald = TestNodes.standalone(vertx);
    int port = herald.httpPort();

    Answer refused = get(port, "attacker.example", "/api/status");
    assertEquals(421, refused.status());
    assertTrue(refused.body().contains("Misdirected Request"), refused.body());
    assertEquals(421, get(port, "attacker.example", "/no/such/page").status());
    assertEquals(421, upgrade(port, "attacker.example"));

    for (String name : new String[] {"localhost", "127.0.0.1", "[::1]"}) {
      assertEquals(200, get(port, name, "/api/status").status(), name);
      assertEquals(101, upgrade(port, name), name);
    }
  }

  @Test
  void listedHostsAreTheOnlyOnesServed(Vertx vertx) {
    Node herald =
        TestNodes.standalone(
            vertx, new JsonObject().put("http.allowed-hosts", "herald.example,127.0.0.1"));
    int port = herald.httpPort();
    assertEquals(200, get(port, "herald.example", "/api/events").status());
    assertEquals(101, upgrade(port, "HERALD.example"));
    assertEquals(200, get(port, "127.0.0.1", "/api/status").status());
    assertEquals(421, get(port, "localhost", "/api/status").status(), "not listed");
    assertEquals(421, upgrade(port, "attacker.example"));
  }
}

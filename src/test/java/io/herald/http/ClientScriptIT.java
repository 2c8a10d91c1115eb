package io.herald.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.node.Node;
import io.herald.support.Http;
import io.herald.support.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GET /client/herald.js, many times, each on a new connection from a client that offers h2c (as
 * java.net.http does): every answer carries the whole file. Regression: with h2c accepted, some
 * answers never came and the connection was cut at the handshake deadline.
 */
@ExtendWith(VertxExtension.class)
class ClientScriptIT {

  @Test
  void everyAnswerCarriesTheWholeScript(Vertx vertx) {
    Node node = TestNodes.standalone(vertx, new JsonObject().put("http.instances", 2));
    try {
      int length = Http.get(node.httpPort(), ClientScript.PATH).body().length();
      for (int i = 0; i < 5; i++) {
        Http.Page page = Http.get(node.httpPort(), ClientScript.PATH);
        assertEquals(200, page.status());
        assertEquals(length, page.body().length(), "answer " + i);
      }
    } finally {
      TestNodes.await(node.close());
    }
  }
}

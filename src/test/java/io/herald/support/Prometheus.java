package io.herald.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads a node's {@code GET /metrics}: the Prometheus text format, one sample a line. */
public final class Prometheus {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Prometheus() {}

  /** {@code GET uri} with an optional {@code Authorization} header (null: none). */
  public static HttpResponse<String> get(int port, String uri, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
            .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The metrics text of a node without a token; fails unless it answers 200. */
  public static String scrape(int port) {
    HttpResponse<String> response = get(port, "/metrics", null);
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "/metrics answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * The value of the sample {@code name} whose labels include {@code labels} ({@code "k", "v",
   * ...}); NaN when there is none. Several matching samples: their sum.
   */
  public static double value(String text, String name, String... labels) {
    Map<String, String> wanted = new HashMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    double sum = Double.NaN;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String sampleName = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
      if (!sampleName.equals(name)) {
        continue;
      }
      Map<String, String> have =
          brace >= 0 ? labels(line.substring(brace + 1, line.lastIndexOf('}'))) : Map.of();
      if (!have.entrySet().containsAll(wanted.entrySet())) {
        continue;
      }
      double v = Double.parseDouble(line.substring(space + 1));
      sum = Double.isNaN(sum) ? v : sum + v;
    }
    return sum;
  }

  /** The labels of a sample: {@code k="v",k2="v2"} (values without escaped quotes). */
  private static Map<String, String> labels(String text) {
    Map<String, String> labels = new HashMap<>();
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      int open = text.indexOf('"', eq);
      int close = text.indexOf('"', open + 1);
      labels.put(text.substring(i, eq).trim(), text.substring(open + 1, close));
      i = close + 1;
      if (i < text.length() && text.charAt(i) == ',') {
        i++;
      }
    }
    return labels;
  }
}

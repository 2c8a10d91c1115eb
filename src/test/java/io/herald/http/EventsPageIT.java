package io.herald.http;

import static io.herald.support.Messages.ping;
import static io.herald.support.Messages.pong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.jobs.JobIds;
import io.herald.support.Http;
import io.herald.support.Http.Page;
import io.herald.support.TestNodes;
import io.herald.support.TickSource;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Node;
import org.commonmark.node.Paragraph;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The events documentation page ({@code /docs/events.md}, {@code /docs/events}) and {@code
 * /api/events}, over real HTTP against a real node: every visible event with its wildcard sentence,
 * descriptions rendered and contained, HTML escaped, and the guide's examples checked against what
 * the node really answers and sends.
 */
@ExtendWith(VertxExtension.class)
class EventsPageIT {

  static final String MARKDOWN_DESCRIPTION =
      """
      Has **bold** text and a list:

      - first item
      - second item
      """;
  static final String SCRIPT_DESCRIPTION =
      """
      Before <script>alert('inline')</script> & <b>after</b>.

      <script>
      alert('block')
      </script>
      """;

  /** An h1 and a code fence never closed: neither may leak into the rest of the page. */
  static final String UNCLOSED_DESCRIPTION =
      """
      # Title

      ```json
      {"open": true
      """;

  /**
   * A name Markdown would read as emphasis, an unclosed HTML comment, a link reference definition.
   */
  static final String ODD_DESCRIPTION =
      """
      See [the docs] and [js](javascript:alert(1)).

      [the docs]: https://example.com/docs

      <!-- never closed
      """;

  private static final Parser PARSER = Parser.builder().build();

  private Vertx vertx;
  private io.herald.node.Node herald;

  /**
   * One fenced JSON block of the guide and the paragraph before it ("Request:", "Response:", ..).
   */
  record Example(String label, String json) {}

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    herald = TestNodes.standalone(vertx);
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.markdown").description(MARKDOWN_DESCRIPTION).build())
        .await();
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.no_wildcard")
                .description("Not for `*`.")
                .wildcard(false)
                .build())
        .await();
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.secret")
                .description("Secret event.")
                .hidden(true)
                .build())
        .await();
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.script").description(SCRIPT_DESCRIPTION).build())
        .await();
    herald
        .registerEvent(
            EventDescriptor.broadcast("test.unclosed").description(UNCLOSED_DESCRIPTION).build())
        .await();
    herald
        .registerEvent(EventDescriptor.broadcast("test._odd_").description(ODD_DESCRIPTION).build())
        .await();
    herald.registerSource(TickSource.DESCRIPTOR, new TickSource(vertx)).await();
  }

  private Page get(String uri) {
    return Http.get(herald.httpPort(), uri);
  }

  /** The names of the catalogue, as the node publishes it, sorted. */
  private List<String> visibleNames() {
    return new ArrayList<>(new TreeSet<>(herald.catalogue().fieldNames()));
  }

  @Test
  void markdownListsEveryVisibleEventWithItsWildcardSentence() {
    Page page = get("/docs/events.md");
    assertEquals(200, page.status());
    assertEquals("text/markdown; charset=utf-8", page.contentType());
    String md = page.body();

    assertTrue(md.startsWith("# Websocket Events\n"), md);
    assertTrue(
        md.contains(
            "Events are triggers that are generated under certain scenarios or at a certain period of time."));
    assertTrue(md.contains("\n`event_name:arg`\n"));

    // The headings as a Markdown reader sees them: every visible event, sorted, then the guide.
    List<String> h3 = new ArrayList<>();
    List<String> h2 = new ArrayList<>();
    for (Node node = PARSER.parse(md).getFirstChild(); node != null; node = node.getNext()) {
      if (node instanceof Heading heading && heading.getLevel() == 3 && h2.isEmpty()) {
        h3.add(text(heading));
      } else if (node instanceof Heading heading && heading.getLevel() == 2) {
        h2.add(text(heading));
      }
    }
    List<String> visible = visibleNames();
    assertEquals(visible, h3);
    assertTrue(
        visible.containsAll(
            List.of(
                "core.get_jobs",
                "reporting.realtime",
                "filesystem.file_tail_follow",
                "test._odd_",
                "test.markdown",
                "test.no_wildcard",
                "test.script",
                "test.unclosed",
                TickSource.NAME)),
        visible.toString());
    assertFalse(md.contains("test.secret"));
    assertFalse(md.contains("Secret event."));
    assertEquals(
        List.of("Subscribing to Events"), h2, "the unclosed fence must not swallow the guide");

    Map<String, String> sections = sections(md);
    assertEquals(visible, new ArrayList<>(sections.keySet()));
    JsonObject catalogue = herald.catalogue();
    for (String name : visible) {
      String section = sections.get(name);
      boolean wildcard = catalogue.getJsonObject(name).getBoolean("wildcard_subscription");
      assertEquals(wildcard ? 1 : 0, count(section, EventsPage.WILDCARD), name);
      assertEquals(wildcard ? 0 : 1, count(section, EventsPage.NO_WILDCARD), name);
      JsonObject accepts = catalogue.getJsonObject(name).getJsonObject("accepts");
      assertEquals(accepts == null ? 0 : 1, count(section, EventsPage.argumentLabel(name)), name);
      if (accepts != null) {
        // The schema block parses back to the event's argument schema.
        List<Example> blocks = jsonBlocks(PARSER.parse(section));
        assertEquals(1, blocks.size(), name);
        assertEquals(accepts, new JsonObject(blocks.get(0).json()), name);
      }
    }
    assertEquals(0, count(sections.get("test.no_wildcard"), EventsPage.WILDCARD));
    assertEquals(1, count(sections.get("test.markdown"), EventsPage.WILDCARD));
    assertTrue(sections.get("test.markdown").contains("Has **bold** text and a list:"));
    assertTrue(sections.get("test.markdown").contains("- first item\n- second item"));
    assertTrue(sections.get("core.get_jobs").contains("Jobs: long-running method calls."));
    // The unclosed description: its heading demoted below the event's, its fence closed within the
    // section.
    assertTrue(sections.get("test.unclosed").contains("#### Title"), sections.get("test.unclosed"));
    assertTrue(
        sections.get("test.unclosed").contains("{\"open\": true\n```\n"),
        sections.get("test.unclosed"));
    // Raw HTML of a description is text, escaped for any Markdown reader: the page holds no HTML at
    // all.
    assertTrue(
        sections.get("test.script").contains("Before \\<script\\>alert('inline')\\</script\\>"),
        sections.get("test.script"));
    List<String> rawHtml = new ArrayList<>();
    PARSER
        .parse(md)
        .accept(
            new AbstractVisitor() {
              @Override
              public void visit(HtmlBlock block) {
                rawHtml.add(block.getLiteral());
              }

              @Override
              public void visit(HtmlInline inline) {
                rawHtml.add(inline.getLiteral());
              }
            });
    assertEquals(List.of(), rawHtml);
  }

  @Test
  void htmlIsTheMarkdownRenderedAndEscaped() {
    Page page = get("/docs/events");
    assertEquals(200, page.status());
    assertEquals("text/html; charset=utf-8", page.contentType());
    String html = page.body();

    assertTrue(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"), html);
    assertTrue(html.contains("<title>Websocket Events</title>"));
    assertTrue(html.contains("<style>"));
    assertTrue(html.strip().endsWith("</html>"));
    assertTrue(html.contains("<h1>Websocket Events</h1>"));
    for (String name : visibleNames()) {
      assertEquals(1, count(html, "<h3>" + name + "</h3>"), name);
    }
    assertFalse(html.contains("test.secret"));
    assertTrue(html.contains("<h2>Subscribing to Events</h2>"));
    assertTrue(html.contains("<code>event_name:arg</code>"));

    assertTrue(html.contains("<p>Has <strong>bold</strong> text and a list:</p>"), html);
    assertTrue(html.contains("<ul>\n<li>first item</li>\n<li>second item</li>\n</ul>"), html);
    assertTrue(html.contains("<h4>Title</h4>"));
    assertEquals(
        "\n<p>See <a rel=\"nofollow\" href=\"https://example.com/docs\">the docs</a> and "
            + "<a rel=\"nofollow\" href=\"\">js</a>.</p>\n<p>&lt;!-- never closed</p>\n"
            + "<p>This event can be subscribed to with the wildcard <code>*</code> as the event name.</p>\n"
            + "<p>Only <code>FULL_ADMIN</code> may subscribe to it.</p>\n",
        section(html, "test._odd_"));
    assertTrue(
        section(html, "core.get_jobs")
            .contains("<p>Roles that may subscribe to it: <code>JOBS_READ</code>.</p>"),
        section(html, "core.get_jobs"));
    assertTrue(
        section(html, "test.no_wildcard")
            .contains(
                "<p>This event cannot be subscribed to with the wildcard <code>*</code> as the event name.</p>"));
    assertTrue(
        section(html, "test.markdown")
            .contains(
                "<p>This event can be subscribed to with the wildcard <code>*</code> as the event name.</p>"));

    // No markup of a description gets through: the script tags are text.
    String script = section(html, "test.script");
    assertTrue(
        script.contains(
            "&lt;script&gt;alert('inline')&lt;/script&gt; &amp; &lt;b&gt;after&lt;/b&gt;."),
        script);
    assertTrue(script.contains("&lt;script&gt;\nalert('block')\n&lt;/script&gt;"), script);
    assertFalse(html.toLowerCase().contains("<script"));
    assertFalse(html.contains("<b>"));

    // The schema block of an event with an argument and the guide's examples are code blocks.
    assertTrue(
        section(html, TickSource.NAME)
            .contains(
                "<pre><code class=\"language-json\">{\n  &quot;type&quot; : &quot;object&quot;"),
        section(html, TickSource.NAME));
    assertTrue(
        html.contains(
            "<pre><code class=\"language-json\">{\n    &quot;id&quot;: &quot;ad4dea8f-53a8-9a5c-1825-523e218c13ca&quot;"));
  }

  @Test
  void apiEventsIsCoreGetEvents() {
    Page page = get("/api/events");
    assertEquals(200, page.status());
    assertTrue(page.contentType().startsWith("application/json"), page.contentType());
    JsonObject api = new JsonObject(page.body());
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      JsonObject result = c.call("e", "core.get_events", new JsonArray()).getJsonObject("result");
      assertEquals(result, api);
    }
    assertFalse(api.containsKey("test.secret"));
    assertEquals(
        new JsonObject()
            .put("description", "Not for `*`.")
            .put("wildcard_subscription", false)
            .putNull("accepts")
            .putNull("returns")
            .put("roles", new io.vertx.core.json.JsonArray())
            .put("no_auth_required", false),
        api.getJsonObject("test.no_wildcard"));
    assertEquals(visibleNames(), new ArrayList<>(new TreeSet<>(api.fieldNames())));
  }

  @Test
  void guideExamplesAreJsonAndSubscriptionsGetTheDocumentedAnswer() {
    List<Example> examples = guideExamples();
    assertEquals(
        List.of(
            "Request:",
            "Response:",
            "Event Response Example:",
            "Request:",
            "Response:",
            "Event Response Example:",
            "Request:",
            "Response:",
            "Event Response Example:",
            "Request:"),
        examples.stream().map(Example::label).toList());
    for (Example example : examples) {
      assertNotNull(new JsonObject(example.json()), example.json());
    }
    int subs = 0;
    for (int i = 0; i < examples.size(); i++) {
      JsonObject request = new JsonObject(examples.get(i).json());
      if (examples.get(i).label().equals("Request:") && "sub".equals(request.getString("msg"))) {
        assertEquals("Response:", examples.get(i + 1).label());
        try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
          c.sendText(examples.get(i).json());
          assertEquals(
              new JsonObject(examples.get(i + 1).json()), c.next(), examples.get(i).json());
        }
        subs++;
      }
    }
    assertEquals(3, subs);
  }

  @Test
  void jobExamplesHaveTheKeysOfARealJobEvent() {
    List<Example> examples = guideExamples();
    JsonObject changedExample = new JsonObject(examples.get(2).json());
    JsonObject addedExample = new JsonObject(examples.get(8).json());
    try (WsClient all = WsClient.connect(vertx, herald.httpPort());
        WsClient jobs = WsClient.connect(vertx, herald.httpPort())) {
      all.sendText(examples.get(0).json());
      assertEquals(new JsonObject(examples.get(1).json()), all.next());
      jobs.sendText(examples.get(6).json());
      assertEquals(new JsonObject(examples.get(7).json()), jobs.next());

      long id =
          jobs.call(
                  "bulk",
                  "core.bulk",
                  new JsonArray().add("core.ping").add(new JsonArray().add(new JsonArray())))
              .getLong("result");
      JsonObject added = jobs.next(m -> "added".equals(m.getString("msg")));
      assertEquals(id, added.getLong("id"));
      for (long shown : List.of(id, addedExample.getLong("id"), changedExample.getLong("id"))) {
        assertTrue(
            shown > JobIds.BLOCK_SIZE && shown % JobIds.BLOCK_SIZE != 0,
            "block × 1000000 + n: " + shown);
      }
      assertEquals(addedExample.fieldNames(), added.fieldNames());
      assertEquals(addedExample.getString("collection"), added.getString("collection"));
      assertEquals(
          addedExample.getJsonObject("fields").getString("state"),
          added.getJsonObject("fields").getString("state"));
      assertSameJobKeys(addedExample.getJsonObject("fields"), added.getJsonObject("fields"));
      // The job ends with a changed frame, seen by the wildcard subscription as well.
      JsonObject changed = all.next(m -> "changed".equals(m.getString("msg")));
      assertEquals(changedExample.fieldNames(), changed.fieldNames());
      assertEquals(changedExample.getString("collection"), changed.getString("collection"));
      assertSameJobKeys(changedExample.getJsonObject("fields"), changed.getJsonObject("fields"));
    }
  }

  @Test
  void realtimeExampleHasTheKeysOfTheRealSourceAndUnsubscribing() {
    List<Example> examples = guideExamples();
    JsonObject example = new JsonObject(examples.get(5).json());
    try (WsClient c = WsClient.connect(vertx, herald.httpPort())) {
      c.sendText(examples.get(3).json());
      assertEquals(new JsonObject(examples.get(4).json()), c.next());
      JsonObject real = c.next();
      assertEquals(example.fieldNames(), real.fieldNames());
      assertEquals(example.getString("msg"), real.getString("msg"));
      assertEquals(example.getString("collection"), real.getString("collection"));
      JsonObject expected = example.getJsonObject("fields");
      JsonObject fields = real.getJsonObject("fields");
      assertEquals(expected.fieldNames(), fields.fieldNames());
      assertSameKeysAndTypes(
          expected.getJsonObject("virtual_memory"), fields.getJsonObject("virtual_memory"));
      assertSameKeysAndTypes(expected.getJsonObject("disks"), fields.getJsonObject("disks"));
      assertEquals(3, fields.getJsonArray("loadavg").size());
      assertEquals(3, expected.getJsonArray("loadavg").size());
      // cpu: "average", one entry per core, the temperatures.
      JsonObject cpu = fields.getJsonObject("cpu");
      JsonObject expectedCpu = expected.getJsonObject("cpu");
      for (String key : expectedCpu.fieldNames()) {
        if (key.startsWith("temperature")) {
          assertTrue(cpu.getValue(key) instanceof JsonObject, key);
        } else {
          assertSameKeysAndTypes(expectedCpu.getJsonObject(key), cpu.getJsonObject("average"));
        }
      }
      for (String key : cpu.fieldNames()) {
        assertTrue(expectedCpu.containsKey(key) || key.chars().allMatch(Character::isDigit), key);
      }
      // interfaces: every documented one has the keys of this host's loopback.
      JsonObject lo = fields.getJsonObject("interfaces").getJsonObject("lo");
      assertNotNull(lo, fields.getJsonObject("interfaces").encode());
      for (String name : expected.getJsonObject("interfaces").fieldNames()) {
        assertEquals(
            lo.fieldNames(),
            expected.getJsonObject("interfaces").getJsonObject(name).fieldNames(),
            name);
      }

      // The unsubscription example: no answer, and the source stops.
      assertEquals("unsub", new JsonObject(examples.get(9).json()).getString("msg"));
      c.sendText(examples.get(9).json());
      TestNodes.eventually(5000, "source stopped", () -> herald.stats().sources.get() == 0);
      c.send(ping("end"));
      assertEquals(pong("end"), c.next(m -> !"added".equals(m.getString("msg"))));
    }
  }

  private static void assertSameJobKeys(JsonObject documented, JsonObject real) {
    assertEquals(documented.fieldNames(), real.fieldNames());
    assertEquals(
        documented.getJsonObject("progress").fieldNames(),
        real.getJsonObject("progress").fieldNames());
    assertEquals(
        documented.getJsonObject("time_started").fieldNames(),
        real.getJsonObject("time_started").fieldNames());
  }

  /** Same keys, and for each a value of the same JSON type (null matching null only). */
  private static void assertSameKeysAndTypes(JsonObject documented, JsonObject real) {
    assertEquals(new TreeSet<>(documented.fieldNames()), new TreeSet<>(real.fieldNames()));
    for (String key : documented.fieldNames()) {
      assertEquals(type(documented.getValue(key)), type(real.getValue(key)), key);
    }
  }

  private static String type(Object value) {
    return value == null
        ? "null"
        : value instanceof Number ? "number" : value.getClass().getSimpleName();
  }

  /** The fenced JSON blocks of the guide, fetched from the node. */
  private List<Example> guideExamples() {
    String md = get("/docs/events.md").body();
    Node document = PARSER.parse(md.substring(md.indexOf("\n## Subscribing to Events\n")));
    return jsonBlocks(document);
  }

  private static List<Example> jsonBlocks(Node document) {
    List<Example> blocks = new ArrayList<>();
    String label = null;
    for (Node node = document.getFirstChild(); node != null; node = node.getNext()) {
      if (node instanceof Paragraph paragraph) {
        label = text(paragraph);
      } else if (node instanceof FencedCodeBlock code && "json".equals(code.getInfo())) {
        blocks.add(new Example(label, code.getLiteral()));
      }
    }
    return blocks;
  }

  /** The Markdown of each event: from its {@code ###} line to the next one, or to the guide. */
  private static Map<String, String> sections(String md) {
    String events = md.substring(0, md.indexOf("\n## Subscribing to Events\n"));
    Map<String, String> sections = new LinkedHashMap<>();
    String[] parts = events.split("\n### ");
    for (int i = 1; i < parts.length; i++) {
      int eol = parts[i].indexOf('\n');
      // The heading's text as a reader sees it (a name may be written with backslash escapes).
      sections.put(
          text(PARSER.parse("### " + parts[i].substring(0, eol)).getFirstChild()),
          parts[i].substring(eol + 1));
    }
    return sections;
  }

  /** The HTML of an event: from its {@code <h3>} to the next heading of level 2 or 3. */
  private static String section(String html, String name) {
    String start = "<h3>" + name + "</h3>";
    int from = html.indexOf(start);
    assertTrue(from >= 0, name);
    from += start.length();
    int h3 = html.indexOf("<h3>", from);
    int h2 = html.indexOf("<h2>", from);
    int to = Math.min(h3 < 0 ? html.length() : h3, h2 < 0 ? html.length() : h2);
    return html.substring(from, to);
  }

  private static String text(Node node) {
    StringBuilder text = new StringBuilder();
    for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
      if (child instanceof Text t) {
        text.append(t.getLiteral());
      } else if (child instanceof Code code) {
        text.append(code.getLiteral());
      } else {
        text.append(text(child));
      }
    }
    return text.toString();
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle);
        i >= 0;
        i = haystack.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }
}

package io.herald.http;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Document;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.LinkReferenceDefinition;
import org.commonmark.node.Node;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.markdown.MarkdownRenderer;

/**
 * The events documentation page: the user's template (shared/seed/websocket-events.md) rendered
 * from the catalogue of {@code core.get_events}, as Markdown ({@code GET /docs/events.md}) and as
 * HTML ({@code GET /docs/events}, that Markdown rendered by commonmark).
 *
 * <p>The page's fixed prose and style sheet are resources ({@code docs/events-intro.md}, {@code
 * docs/events-guide.md}, {@code docs/events.css}); this class holds the rendering.
 *
 * <p>Descriptions are Markdown written by whoever registers an event. Each is parsed on its own and
 * written back by commonmark's Markdown renderer, so that it cannot break the page around it: an
 * unclosed code fence is closed, its headings are demoted below the event's {@code ###}, link
 * reference definitions stay local and raw HTML becomes literal text. The HTML renderer escapes raw
 * HTML and sanitises URLs as well.
 */
public final class EventsPage {

  public static final String MARKDOWN_TYPE = "text/markdown; charset=utf-8";
  public static final String HTML_TYPE = "text/html; charset=utf-8";

  public static final String TITLE = "Websocket Events";
  public static final String WILDCARD =
      "This event can be subscribed to with the wildcard `*` as the event name.";
  public static final String NO_WILDCARD =
      "This event cannot be subscribed to with the wildcard `*` as the event name.";

  /**
   * The page's opening: its title and how to name an event with an argument ({@code
   * docs/events-intro.md}).
   */
  static final String INTRO = resource("docs/events-intro.md");

  /**
   * The seed's guide, after the events ({@code docs/events-guide.md}). The examples are what Herald
   * sends: the job objects carry every key of Herald's job (the seed's plus {@code description} and
   * {@code abortable}), the {@code reporting.realtime} payload every key of Herald's report (Linux
   * interface names; {@code wired} is null on Linux). EventsPageIT checks them against a real node.
   */
  static final String GUIDE = resource("docs/events-guide.md");

  /** The HTML page's head; its style sheet is {@code docs/events.css}, inlined. */
  private static final String HEAD =
      """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>%s</title>
      <style>
      %s</style>
      </head>
      <body>
      """
          .formatted(TITLE, resource("docs/events.css"));

  private static final String TAIL =
      """
      </body>
      </html>
      """;

  private static final Parser PARSER = Parser.builder().build();
  private static final MarkdownRenderer MARKDOWN = MarkdownRenderer.builder().build();
  private static final HtmlRenderer HTML =
      HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();

  private EventsPage() {}

  /** The line introducing an event's argument schema: Herald's addition to the seed's page. */
  public static String argumentLabel(String name) {
    return "**Argument** (Herald's addition to the TrueNAS page): subscribe with `"
        + name
        + ":arg`, where `arg` "
        + "(JSON when it parses as JSON, otherwise the plain string) matches this JSON Schema:";
  }

  /**
   * The page as Markdown, from {@code catalogue} ({@code {name: {description,
   * wildcard_subscription, accepts, ..}}}).
   */
  public static String markdown(JsonObject catalogue) {
    StringBuilder page = new StringBuilder(INTRO);
    for (String name : new TreeSet<>(catalogue.fieldNames())) {
      JsonObject event = catalogue.getJsonObject(name);
      page.append("\n### ").append(headingText(name)).append("\n\n");
      String description = description(event.getString("description", ""));
      if (!description.isEmpty()) {
        page.append(description).append("\n\n");
      }
      JsonObject accepts = event.getJsonObject("accepts");
      if (accepts != null) {
        page.append(argumentLabel(name)).append("\n\n").append(jsonBlock(accepts)).append("\n\n");
      }
      page.append(event.getBoolean("wildcard_subscription", false) ? WILDCARD : NO_WILDCARD)
          .append('\n');
      page.append('\n').append(access(event)).append('\n');
    }
    return page.append('\n').append(GUIDE).toString();
  }

  /** Who may subscribe, from the entry's {@code roles} and {@code no_auth_required}. */
  static String access(JsonObject event) {
    if (event.getBoolean("no_auth_required", false)) {
      return "Anyone may subscribe to it, before logging in too.";
    }
    List<String> roles = new ArrayList<>();
    event
        .getJsonArray("roles", new io.vertx.core.json.JsonArray())
        .forEach(r -> roles.add("`" + r + "`"));
    return roles.isEmpty()
        ? "Only `FULL_ADMIN` may subscribe to it."
        : "Roles that may subscribe to it: " + String.join(", ", roles) + ".";
  }

  /**
   * A complete HTML page: {@code markdown} rendered by commonmark, raw HTML escaped, URLs
   * sanitised.
   */
  public static String html(String markdown) {
    return HEAD + HTML.render(PARSER.parse(markdown)) + TAIL;
  }

  /**
   * An event's description made a self-contained block: parsed, headings demoted to {@code ####}
   * and below, raw HTML turned into text, link reference definitions dropped (their links are
   * already resolved), then written back as Markdown, trimmed.
   */
  static String description(String markdown) {
    Node document = PARSER.parse(markdown);
    List<Node> rewrites = new ArrayList<>();
    document.accept(
        new AbstractVisitor() {
          @Override
          public void visit(Heading heading) {
            heading.setLevel(Math.min(6, heading.getLevel() + 3));
            visitChildren(heading);
          }

          @Override
          public void visit(HtmlBlock block) {
            rewrites.add(block);
          }

          @Override
          public void visit(HtmlInline inline) {
            rewrites.add(inline);
          }

          @Override
          public void visit(LinkReferenceDefinition definition) {
            rewrites.add(definition);
          }
        });
    for (Node node : rewrites) {
      if (node instanceof HtmlBlock block) {
        Paragraph paragraph = new Paragraph();
        String[] lines = block.getLiteral().strip().split("\n");
        for (int i = 0; i < lines.length; i++) {
          if (i > 0) {
            paragraph.appendChild(new SoftLineBreak());
          }
          paragraph.appendChild(new Text(lines[i].strip()));
        }
        block.insertBefore(paragraph);
      } else if (node instanceof HtmlInline inline) {
        inline.insertBefore(new Text(inline.getLiteral()));
      }
      node.unlink();
    }
    return MARKDOWN.render(document).strip();
  }

  /**
   * The event name as heading text: as is, unless Markdown would read it otherwise (e.g. {@code
   * a._b_}).
   */
  static String headingText(String name) {
    Node heading = PARSER.parse("### " + name).getFirstChild();
    StringBuilder text = new StringBuilder();
    boolean plain = heading instanceof Heading;
    for (Node child = plain ? heading.getFirstChild() : null;
        child != null;
        child = child.getNext()) {
      plain &= child instanceof Text;
      if (child instanceof Text t) {
        text.append(t.getLiteral());
      }
    }
    if (plain && text.toString().equals(name)) {
      return name;
    }
    StringBuilder escaped = new StringBuilder();
    for (char c : name.toCharArray()) {
      if ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".indexOf(c) >= 0) {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  /**
   * A UTF-8 text resource of the jar, read once at class initialisation; a missing one fails the
   * class.
   */
  private static String resource(String path) {
    try (InputStream in = EventsPage.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("resource missing from the classpath: " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + path, e);
    }
  }

  private static String jsonBlock(JsonObject json) {
    FencedCodeBlock block = new FencedCodeBlock();
    block.setInfo("json");
    block.setLiteral(json.encodePrettily() + "\n");
    Node document = new Document();
    document.appendChild(block);
    return MARKDOWN.render(document).strip();
  }
}

package io.herald.http;

import io.herald.Caller;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.Roles;
import io.herald.StreamPosition;
import io.herald.auth.Login;
import io.herald.config.DeclaredEvent;
import io.herald.protocol.JsonDepth;
import io.herald.protocol.Schema;
import io.herald.util.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/publish}: services outside the JVM publish messages of broadcast events with an
 * API key ({@code Authorization: Bearer <id>-<secret>}, as {@code api_key.create} shows it). The
 * body is one message {@code {"event", "msg", "id", "fields"}} or a list of them, published in
 * order through the node's {@link io.herald.event.Publisher} (to every node); the answer lists
 * their stream positions.
 *
 * <p>Who may publish what: an event declared in configuration ({@code events:}) by any of its
 * {@code publish_roles} ({@link Roles#FULL_ADMIN} always); any other broadcast event (a verticle's,
 * a built-in one) by {@link Roles#FULL_ADMIN} only. The key is checked on every request, hashed on
 * the authentication's worker pool (never on the event loop); nothing of it is kept. Failed checks
 * count in the login throttle of the client's address and are logged with the address, never the
 * key. A list is all-or-nothing: every entry is checked (shape, event, rights, payload schema)
 * before the first is published.
 */
final class PublishApi {

  static final String PATH = "/api/publish";

  private static final Logger LOG = LoggerFactory.getLogger(PublishApi.class);
  private static final String JSON = "application/json; charset=utf-8";
  private static final Set<String> ENTRY_KEYS = Set.of("event", "msg", "id", "fields");
  private static final String BEARER = "bearer ";

  private final BridgeServices node;
  private final Map<String, DeclaredEvent> declared = new LinkedHashMap<>();

  PublishApi(BridgeServices node) {
    this.node = node;
    node.settings().events().forEach(e -> declared.put(e.name(), e));
  }

  void mount(Router router) {
    // Two routes: Vert.x Web wants a body handler before any other handler of its route. The first
    // is synchronous, so nothing of the body has been read when the body handler starts.
    router.route(PATH).handler(this::precheck);
    router
        .post(PATH)
        .handler(BodyHandler.create(false).setBodyLimit(node.settings().maxPublishBytes()))
        .handler(this::publish)
        .failureHandler(this::failure);
  }

  /** A problem answered with a status and a JSON body. */
  private static final class Refusal extends RuntimeException {
    final int status;
    final JsonObject body;

    Refusal(int status, String message) {
      this(status, new JsonObject().put("error", message));
    }

    Refusal(int status, JsonObject body) {
      super(body.getString("error"), null, false, false);
      this.status = status;
      this.body = body;
    }

    Refusal at(int index) {
      body.put("index", index);
      return this;
    }
  }

  /** One message of the body, checked for shape. */
  private record Entry(int index, String event, EventMessage message) {}

  /** The body's messages; {@code list}: the body was a list (errors then name the entry). */
  private record Body(List<Entry> entries, boolean list) {}

  // --- before the body is read ---

  private void precheck(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.POST) {
      ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
      answer(ctx, 405, error("Method Not Allowed: " + PATH + " takes POST only"));
      return;
    }
    if (node.draining().getAsBoolean()) {
      answer(ctx, 503, error("this node is stopping: publish through another node"));
      return;
    }
    if (bearer(ctx) == null) {
      unauthorized(ctx, "an API key is required: Authorization: Bearer <id>-<secret>");
      return;
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && !isJson(type)) {
      answer(ctx, 415, error("Unsupported Media Type: the body is JSON (application/json)"));
      return;
    }
    String address = address(ctx);
    if (!node.auth().allows(address)) {
      LOG.warn("publish refused from {}: too many failed logins from this address", address);
      // answered on the request's event loop (strict thread mode)
      OnContext.on(ctx.vertx().getOrCreateContext(), node.auth().failed(address))
          .onComplete(
              v -> {
                ctx.response()
                    .putHeader(
                        HttpHeaders.RETRY_AFTER,
                        Long.toString(Math.max(1, node.settings().loginFailureWindowMs() / 1000)));
                answer(
                    ctx,
                    429,
                    error(
                        "too many failed logins from this address: try again later (auth.max-failures)"));
              });
      return;
    }
    ctx.next();
  }

  private static boolean isJson(String contentType) {
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || type.endsWith("+json");
  }

  /** The key of {@code Authorization: Bearer <key>}, or null. */
  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String key = header.substring(BEARER.length()).trim();
    return key.isEmpty() ? null : key;
  }

  private static String address(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().host();
  }

  // --- the body ---

  private void publish(RoutingContext ctx) {
    Context context = ctx.vertx().getOrCreateContext();
    String address = address(ctx);
    OnContext.on(context, node.auth().apiKey(bearer(ctx), null))
        .onComplete(
            ar -> {
              Login login = ar.succeeded() ? ar.result() : null;
              Caller caller = login == null ? null : node.auth().recheck(login);
              if (caller == null) {
                LOG.warn("publish refused: invalid API key from {}", address);
                OnContext.on(context, node.auth().failed(address))
                    .onComplete(
                        v -> unauthorized(ctx, "invalid API key (expired, revoked or mistyped)"));
                return;
              }
              try {
                checkAndPublish(ctx, context, login, caller, body(ctx), address);
              } catch (Refusal refusal) {
                answer(ctx, refusal.status, refusal.body);
              } catch (RuntimeException unexpected) {
                LOG.warn("POST {} failed: {}", PATH, unexpected.toString(), unexpected);
                answer(ctx, 500, error("internal error"));
              }
            });
  }

  /** The entries of the body, each of the right shape. */
  private Body body(RoutingContext ctx) {
    String text =
        ctx.body() == null || ctx.body().buffer() == null
            ? ""
            : ctx.body().buffer().toString(StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw new Refusal(400, "the body is empty: a message {\"event\", \"msg\", ...} or a list");
    }
    if (JsonDepth.exceeds(text, node.settings().maxJsonDepth())) {
      throw new Refusal(
          400,
          "the body nests deeper than "
              + node.settings().maxJsonDepth()
              + " levels (limits.max-json-depth)");
    }
    Object body;
    try {
      body = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new Refusal(400, "malformed JSON: " + clip(e.getMessage()));
    }
    List<Entry> entries = new ArrayList<>();
    if (body instanceof JsonObject one) {
      entries.add(entry(0, one, false));
      return new Body(entries, false);
    } else if (body instanceof JsonArray list) {
      if (list.isEmpty()) {
        throw new Refusal(400, "the list is empty: nothing to publish");
      }
      for (int i = 0; i < list.size(); i++) {
        Object item = list.getValue(i);
        if (!(item instanceof JsonObject object)) {
          throw new Refusal(400, "entry " + i + " is not an object").at(i);
        }
        entries.add(entry(i, object, true));
      }
    } else {
      throw new Refusal(
          400, "the body is a message {\"event\", \"msg\", \"id\", \"fields\"} or a list of them");
    }
    return new Body(entries, true);
  }

  private static Entry entry(int index, JsonObject json, boolean inList) {
    String where = inList ? "entry " + index + ": " : "";
    try {
      for (String key : json.fieldNames()) {
        if (!ENTRY_KEYS.contains(key)) {
          throw refusal(
              inList,
              index,
              where + "unknown key '" + clip(key) + "' (event, msg, id, fields are allowed)");
        }
      }
      if (!(json.getValue("event") instanceof String event) || event.isEmpty()) {
        throw refusal(inList, index, where + "'event' (the event's name, a string) is required");
      }
      Object msg = json.getValue("msg");
      EventMessage.Kind kind = null;
      for (EventMessage.Kind k : EventMessage.Kind.values()) {
        if (k.wire.equals(msg)) {
          kind = k;
        }
      }
      if (kind == null) {
        throw refusal(inList, index, where + "'msg' must be \"added\", \"changed\" or \"removed\"");
      }
      Object id = json.getValue("id");
      if (id != null && !(id instanceof String) && !(id instanceof Number)) {
        throw refusal(inList, index, where + "'id' must be a string or a number");
      }
      Object fields = json.getValue("fields");
      if (fields != null && !(fields instanceof JsonObject)) {
        throw refusal(inList, index, where + "'fields' must be an object");
      }
      if (kind == EventMessage.Kind.REMOVED && fields != null) {
        throw refusal(inList, index, where + "a \"removed\" message carries no 'fields'");
      }
      if (kind == EventMessage.Kind.REMOVED && id == null) {
        throw refusal(inList, index, where + "a \"removed\" message needs an 'id'");
      }
      if (kind != EventMessage.Kind.REMOVED && fields == null) {
        throw refusal(
            inList, index, where + "'fields' (an object) is required for \"" + kind.wire + "\"");
      }
      try {
        return new Entry(index, event, new EventMessage(kind, id, (JsonObject) fields, null));
      } catch (IllegalArgumentException e) {
        throw refusal(inList, index, where + e.getMessage());
      }
    } catch (ClassCastException e) {
      throw refusal(inList, index, where + "malformed entry");
    }
  }

  private static Refusal refusal(boolean inList, int index, String message) {
    Refusal refusal = new Refusal(400, message);
    return inList ? refusal.at(index) : refusal;
  }

  /**
   * Looks every event up (the cluster's registry), checks the caller's rights and the payloads,
   * then publishes the entries one after the other.
   */
  private void checkAndPublish(
      RoutingContext ctx, Context context, Login login, Caller caller, Body body, String address) {
    List<Entry> entries = body.entries();
    boolean inList = body.list();
    Set<String> names = new LinkedHashSet<>();
    entries.forEach(e -> names.add(e.event()));
    Map<String, EventDescriptor> found = new LinkedHashMap<>();
    List<Future<EventDescriptor>> lookups = new ArrayList<>();
    for (String name : names) {
      lookups.add(
          node.events()
              .lookup(name)
              .onSuccess(
                  d -> {
                    synchronized (found) {
                      found.put(name, d);
                    }
                  }));
    }
    OnContext.on(context, Future.all(lookups))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                answer(ctx, 503, error("the event registry is unavailable: " + ar.cause()));
                return;
              }
              try {
                check(entries, found, caller, inList, login, address);
              } catch (Refusal refusal) {
                answer(ctx, refusal.status, refusal.body);
                return;
              }
              OnContext.on(context, publishInOrder(entries, 0, new JsonArray()))
                  .onComplete(
                      done -> {
                        JsonArray positions = done.result();
                        if (done.failed() || positions.size() < entries.size()) {
                          answer(
                              ctx,
                              500,
                              error(
                                      "publishing failed after "
                                          + (positions == null ? 0 : positions.size())
                                          + " of "
                                          + entries.size()
                                          + " messages")
                                  .put("positions", positions));
                          return;
                        }
                        LOG.debug(
                            "published {} message(s) of {} for user '{}' (API key {}) from {}",
                            entries.size(),
                            names,
                            login.username(),
                            login.apiKeyId(),
                            address);
                        answer(ctx, 200, new JsonObject().put("positions", positions));
                      });
            });
  }

  /** Every entry's event exists and is broadcast, the caller may publish it, its fields fit. */
  private void check(
      List<Entry> entries,
      Map<String, EventDescriptor> found,
      Caller caller,
      boolean inList,
      Login login,
      String address) {
    for (Entry entry : entries) {
      EventDescriptor descriptor = found.get(entry.event());
      if (descriptor == null || descriptor.kind() != EventDescriptor.Kind.BROADCAST) {
        Refusal refusal =
            new Refusal(
                404,
                (inList ? "entry " + entry.index() + ": " : "")
                    + (descriptor == null
                        ? "no event '" + clip(entry.event()) + "' is registered"
                        : "event '"
                            + entry.event()
                            + "' is produced by its source: it cannot be published"));
        throw inList ? refusal.at(entry.index()) : refusal;
      }
    }
    for (Entry entry : entries) {
      DeclaredEvent declaredHere = declared.get(entry.event());
      boolean may =
          declaredHere == null
              ? caller.has(Roles.FULL_ADMIN)
              : caller.mayUse(declaredHere.publishRoles());
      if (!may) {
        LOG.info(
            "publish refused: user '{}' (API key {}) from {} may not publish '{}'",
            login.username(),
            login.apiKeyId(),
            address,
            entry.event());
        Refusal refusal =
            new Refusal(
                403,
                (inList ? "entry " + entry.index() + ": " : "")
                    + "the key's user '"
                    + login.username()
                    + "' may not publish '"
                    + entry.event()
                    + "': "
                    + (declaredHere == null
                        ? "it is not declared in this node's configuration (events:), so only"
                            + " FULL_ADMIN may"
                        : declaredHere.publishRoles().isEmpty()
                            ? "its publish_roles are empty, so only FULL_ADMIN may"
                            : "it needs one of the roles " + declaredHere.publishRoles()));
        throw inList ? refusal.at(entry.index()) : refusal;
      }
    }
    JsonArray invalid = new JsonArray();
    for (Entry entry : entries) {
      JsonObject schema = found.get(entry.event()).returns();
      if (schema == null || entry.message().fields() == null) {
        continue;
      }
      ErrorDict failed = Schema.of(schema).check(entry.message().fields(), "fields");
      if (failed != null) {
        JsonArray errors = errors(failed.extra());
        invalid.add(
            new JsonObject()
                .put("index", entry.index())
                .put("event", entry.event())
                .put("errors", errors));
      }
    }
    if (!invalid.isEmpty()) {
      throw new Refusal(
          400,
          new JsonObject()
              .put(
                  "error",
                  (inList
                          ? invalid.size()
                              + " of "
                              + entries.size()
                              + " entries do not match their event's schema"
                          : "the fields do not match the event's schema")
                      + ": nothing was published")
              .put("invalid", invalid));
    }
  }

  /**
   * Messages of the schema validator that only say that something beneath failed ("Property "x"
   * does not match schema", ...): left out where a failure at or beneath the same path says what.
   */
  private static final java.util.regex.Pattern SUMMARY =
      java.util.regex.Pattern.compile(
          "Property \".*\" does not match (additional properties )?schema|Items did not match"
              + " schema|A sub-?schema had errors|Instance does not match every subschema");

  /**
   * The failures of {@link Schema#check} ({@code [[path, message, errno], ...]}) as {@code
   * [{"path", "message"}, ...]}, without the summaries a precise failure explains.
   */
  static JsonArray errors(JsonArray extra) {
    List<JsonObject> all = new ArrayList<>();
    for (int i = 0; i < extra.size(); i++) {
      JsonArray e = extra.getJsonArray(i);
      all.add(new JsonObject().put("path", e.getString(0)).put("message", e.getString(1)));
    }
    JsonArray kept = new JsonArray();
    for (JsonObject error : all) {
      String path = error.getString("path");
      boolean explained =
          SUMMARY.matcher(error.getString("message")).matches()
              && all.stream()
                  .anyMatch(
                      other ->
                          !SUMMARY.matcher(other.getString("message")).matches()
                              && (other.getString("path").equals(path)
                                  || other.getString("path").startsWith(path + ".")));
      if (!explained) {
        kept.add(error);
      }
    }
    return kept;
  }

  /** Publishes {@code entries} from {@code from} on, each once the previous one is on the bus. */
  private Future<JsonArray> publishInOrder(List<Entry> entries, int from, JsonArray positions) {
    if (from == entries.size()) {
      return Future.succeededFuture(positions);
    }
    Entry entry = entries.get(from);
    return node.publisher()
        .publish(entry.event(), entry.message())
        .map(StreamPosition::toString)
        .compose(
            position -> publishInOrder(entries, from + 1, positions.add(position)),
            failure -> {
              LOG.warn("publishing '{}' failed: {}", entry.event(), failure.toString());
              return Future.succeededFuture(positions);
            });
  }

  // --- answers ---

  /** What the body handler refused: a body over {@code http.max-publish-bytes}, or worse. */
  private void failure(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    int status = ctx.statusCode();
    if (status == 413) {
      answer(
          ctx,
          413,
          error(
              "the body is larger than "
                  + node.settings().maxPublishBytes()
                  + " bytes (http.max-publish-bytes)"));
    } else if (status >= 400 && status < 500) {
      answer(ctx, status, error("the request cannot be read"));
    } else {
      LOG.warn("POST {} failed: {}", PATH, String.valueOf(ctx.failure()));
      answer(ctx, 500, error("internal error"));
    }
  }

  private static void unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"herald\"");
    answer(ctx, 401, error(message));
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static Future<Void> answer(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return Future.succeededFuture();
    }
    return ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(body.encode());
  }

  /** Client text echoed in an error, cut at {@link ErrorDict#MAX_ATTRIBUTE_CHARS}. */
  private static String clip(String text) {
    int max = ErrorDict.MAX_ATTRIBUTE_CHARS;
    return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }
}

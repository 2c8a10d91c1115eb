package io.herald.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.MethodDescriptor;
import io.herald.support.Messages;
import io.herald.support.TestNodes;
import io.herald.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorization matrix: every kind of caller (anonymous, logged in without roles, each built-in
 * role, a custom role, the admins) × every method and every event the node registers × {@code *}.
 * What each caller may use is written out here by hand, independently of the code that decides it;
 * a method or event this table does not classify fails the test, so that nothing new is left open
 * by accident. Then every {@code *} subscriber receives the events of every wildcard-eligible
 * event, and none it may not see.
 */
@ExtendWith(VertxExtension.class)
class AuthorizationMatrixIT {

  private static final String ANONYMOUS = "anonymous";
  private static final String NO_ROLES = "no_roles";

  /** User name → the roles it is given ("anonymous" does not log in). */
  private static final Map<String, List<String>> CALLERS = new LinkedHashMap<>();

  static {
    CALLERS.put(ANONYMOUS, List.of());
    CALLERS.put(NO_ROLES, List.of());
    for (String role :
        List.of(
            "JOBS_READ",
            "JOBS_WRITE",
            "REPORTING_READ",
            "FILESYSTEM_READ",
            "ALERT_READ",
            "ALERT_WRITE",
            "CLUSTER_READ",
            "READONLY_ADMIN",
            "FULL_ADMIN",
            "OPERATOR")) {
      CALLERS.put(role.toLowerCase(), List.of(role));
    }
  }

  private static final Set<String> LOGGED_IN = without(CALLERS.keySet(), ANONYMOUS);
  private static final Set<String> EVERYONE = CALLERS.keySet();

  private static Set<String> only(String... users) {
    return Set.of(users);
  }

  private static Set<String> without(Set<String> all, String... out) {
    Set<String> s = new TreeSet<>(all);
    s.removeAll(List.of(out));
    return s;
  }

  /** Method → who may call it. */
  private static final Map<String, Set<String>> METHODS =
      Map.ofEntries(
          Map.entry("core.ping", EVERYONE),
          Map.entry("core.get_events", EVERYONE),
          Map.entry("core.get_jobs", LOGGED_IN),
          Map.entry("core.job_wait", LOGGED_IN),
          Map.entry("core.job_abort", LOGGED_IN),
          Map.entry("core.bulk", LOGGED_IN),
          Map.entry("filesystem.checksum", only("filesystem_read", "readonly_admin", "full_admin")),
          Map.entry(
              "alert.list", only("alert_read", "alert_write", "readonly_admin", "full_admin")),
          Map.entry("alert.dismiss", only("alert_write", "full_admin")),
          Map.entry("cluster.nodes", only("cluster_read", "readonly_admin", "full_admin")),
          Map.entry("user.create", only("full_admin")),
          Map.entry("user.update", only("full_admin")),
          Map.entry("user.delete", only("full_admin")),
          Map.entry("user.query", only("full_admin")),
          Map.entry("api_key.create", only("full_admin")),
          Map.entry("api_key.delete", only("full_admin")),
          Map.entry("api_key.query", only("full_admin")),
          Map.entry("matrix.private_method", only("full_admin")));

  /** Event → who may subscribe to it (by name; owner-scoped events then filter messages). */
  private static final Map<String, Set<String>> EVENTS =
      Map.ofEntries(
          Map.entry("core.get_jobs", LOGGED_IN),
          Map.entry(
              "reporting.realtime",
              only("reporting_read", "readonly_admin", "full_admin", "operator")),
          Map.entry(
              "filesystem.file_tail_follow",
              only("filesystem_read", "readonly_admin", "full_admin")),
          Map.entry(
              "alert.list", only("alert_read", "alert_write", "readonly_admin", "full_admin")),
          Map.entry("cluster.nodes", only("cluster_read", "readonly_admin", "full_admin")),
          Map.entry("matrix.private", only("full_admin")),
          Map.entry("matrix.public", EVERYONE),
          Map.entry(
              "matrix.readers",
              only("jobs_read", "jobs_write", "readonly_admin", "full_admin", "operator")));

  /** Who sees every job (the others see only their own). */
  private static final Set<String> ALL_JOBS =
      only("jobs_read", "jobs_write", "readonly_admin", "full_admin", "operator");

  @Test
  void everyCallerGetsExactlyWhatItsRolesAllow(Vertx vertx, @TempDir Path dir) throws Exception {
    Path logs = dir.resolve("logs");
    Files.createDirectories(logs);
    Files.writeString(logs.resolve("a.log"), "a\n");
    Node node =
        TestNodes.secured(
            vertx,
            new JsonObject()
                .put("data.dir", dir.toString())
                .put("auth.custom-roles", "OPERATOR=JOBS_WRITE+REPORTING_READ")
                .put("alerts.enabled", true)
                .put("alerts.memory.warning", 101)
                .put("alerts.memory.critical", 101)
                .put("alerts.disk.warning", 101)
                .put("alerts.disk.critical", 101)
                .put("alerts.load.warning", 100000)
                .put("alerts.load.critical", 100000));
    TestNodes.await(
        node.registerEvent(
            EventDescriptor.broadcast("matrix.private").description("admins").build()));
    TestNodes.await(
        node.registerEvent(
            EventDescriptor.broadcast("matrix.public")
                .description("anyone")
                .noAuthRequired(true)
                .build()));
    TestNodes.await(
        node.registerEvent(
            EventDescriptor.broadcast("matrix.readers")
                .description("jobs readers")
                .roles("JOBS_READ")
                .build()));
    TestNodes.await(
        node.registerMethod(
            new MethodDescriptor(
                "matrix.private_method",
                "admins",
                null,
                call -> io.vertx.core.Future.succeededFuture(1))));

    Map<String, WsClient> clients = new LinkedHashMap<>();
    try (WsClient admin = WsClient.connect(vertx, "admin", node.httpPort())) {
      admin.call("auth.login", new JsonArray().add("admin").add(TestNodes.ADMIN_PASSWORD));
      for (Map.Entry<String, List<String>> caller : CALLERS.entrySet()) {
        if (!caller.getKey().equals(ANONYMOUS)) {
          JsonObject created =
              admin.call(
                  "user.create",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("username", caller.getKey())
                              .put("password", caller.getKey() + "-password")
                              .put("roles", new JsonArray(caller.getValue()))));
          assertTrue(created.containsKey("result"), created.encode());
        }
      }
    }
    try {
      for (String user : CALLERS.keySet()) {
        WsClient c = WsClient.connect(vertx, user, node.httpPort());
        clients.put(user, c);
        if (!user.equals(ANONYMOUS)) {
          assertEquals(
              true,
              c.call("auth.login", new JsonArray().add(user).add(user + "-password"))
                  .getValue("result"));
        }
      }

      // Methods: an allowed call with parameters no method accepts is refused for them
      // (VALIDATION), or
      // runs when it takes none; a refused one gets ENOTAUTHENTICATED or EACCES before its
      // parameters are
      // looked at.
      List<String> wrong = new ArrayList<>();
      Set<String> registered = new TreeSet<>();
      for (MethodDescriptor method : node.registeredMethods()) {
        registered.add(method.name());
        Set<String> allowed = METHODS.get(method.name());
        if (allowed == null) {
          wrong.add("method " + method.name() + " is not in the matrix");
          continue;
        }
        for (String user : CALLERS.keySet()) {
          JsonArray junk =
              new JsonArray()
                  .add(new JsonObject().put("matrix", true))
                  .add(-1)
                  .add(-1)
                  .add(-1)
                  .add(-1);
          JsonObject answer = clients.get(user).call(method.name(), junk);
          String errname =
              answer.getJsonObject("error") == null
                  ? null
                  : answer.getJsonObject("error").getString("errname");
          String expected =
              allowed.contains(user)
                  ? null
                  : user.equals(ANONYMOUS) ? "ENOTAUTHENTICATED" : "EACCES";
          boolean refused = "EACCES".equals(errname) || "ENOTAUTHENTICATED".equals(errname);
          if (expected == null ? refused : !expected.equals(errname)) {
            wrong.add(user + " → " + method.name() + ": " + answer.encode());
          }
        }
      }
      assertTrue(
          registered.containsAll(METHODS.keySet()), "the matrix names methods that do not exist");

      // Events: sub → ready, or the refusal (result + nosub) with the right errno.
      Map<String, String> arguments = new HashMap<>();
      arguments.put("reporting.realtime", ":{\"interval\": 1}");
      arguments.put("filesystem.file_tail_follow", ":" + logs.resolve("a.log"));
      for (EventDescriptor event : node.registeredEvents()) {
        Set<String> allowed = EVENTS.get(event.name());
        if (allowed == null) {
          wrong.add("event " + event.name() + " is not in the matrix");
          continue;
        }
        for (String user : CALLERS.keySet()) {
          WsClient c = clients.get(user);
          String id = "s-" + event.name();
          c.send(Messages.sub(id, event.name() + arguments.getOrDefault(event.name(), "")));
          JsonObject answer =
              c.next(
                  m ->
                      id.equals(m.getValue("id"))
                          || m.getJsonArray("subs", new JsonArray()).contains(id));
          boolean ready = "ready".equals(answer.getString("msg"));
          if (allowed.contains(user) != ready) {
            wrong.add(user + " → sub " + event.name() + ": " + answer.encode());
          }
          if (ready) {
            c.send(Messages.unsub(id));
          } else {
            String expected = user.equals(ANONYMOUS) ? "ENOTAUTHENTICATED" : "EACCES";
            if (!expected.equals(answer.getJsonObject("error").getString("errname"))) {
              wrong.add(user + " → sub " + event.name() + " errname: " + answer.encode());
            }
            c.next(m -> "nosub".equals(m.getString("msg")) && id.equals(m.getValue("id")));
          }
        }
      }
      clients.values().forEach(WsClient::sync);

      // *: every caller that may hold it subscribes; then one message of each wildcard-eligible
      // event
      // (and a job of two different users) is published.
      Map<String, Integer> before = new HashMap<>();
      for (Map.Entry<String, WsClient> c : clients.entrySet()) {
        before.put(c.getKey(), c.getValue().history().size());
        if (c.getKey().equals(ANONYMOUS)) {
          c.getValue().send(Messages.sub("all", "*"));
          assertEquals(
              "ENOTAUTHENTICATED",
              c.getValue().next().getJsonObject("error").getString("errname"),
              "anonymous * is refused");
          c.getValue().next(m -> "nosub".equals(m.getString("msg")));
        } else {
          c.getValue().subscribe("all", "*");
        }
      }
      TestNodes.await(node.publish("matrix.private", EventMessage.changed(1, new JsonObject())));
      TestNodes.await(node.publish("matrix.public", EventMessage.changed(1, new JsonObject())));
      TestNodes.await(node.publish("matrix.readers", EventMessage.changed(1, new JsonObject())));
      long adminJob =
          ((Number)
                  clients
                      .get("full_admin")
                      .call(
                          "filesystem.checksum",
                          new JsonArray().add(logs.resolve("a.log").toString()))
                      .getValue("result"))
              .longValue();
      long fsJob =
          ((Number)
                  clients
                      .get("filesystem_read")
                      .call(
                          "filesystem.checksum",
                          new JsonArray().add(logs.resolve("a.log").toString()))
                      .getValue("result"))
              .longValue();
      // The full admin sees everything: once it has both jobs' ends, every * subscriber has had its
      // chance.
      WsClient full = clients.get("full_admin");
      full.next(Messages.jobIn(adminJob, "SUCCESS"));
      full.next(Messages.jobIn(fsJob, "SUCCESS"));
      for (Map.Entry<String, WsClient> c : clients.entrySet()) {
        if (c.getKey().equals(ANONYMOUS)) {
          continue;
        }
        String user = c.getKey();
        c.getValue().sync();
        Set<String> seen = new TreeSet<>();
        List<WsClient.Received> history = c.getValue().history();
        for (WsClient.Received r : history.subList(before.get(user), history.size())) {
          JsonObject m = r.msg();
          if (!Messages.isEvent(m)) {
            continue;
          }
          String collection = m.getString("collection");
          if ("core.get_jobs".equals(collection)) {
            long job = m.getLong("id");
            seen.add(
                job == adminJob ? "job:admin" : job == fsJob ? "job:filesystem_read" : "job:?");
          } else {
            seen.add(collection);
          }
        }
        Set<String> expected = new TreeSet<>();
        for (String event : List.of("matrix.private", "matrix.public", "matrix.readers")) {
          if (EVENTS.get(event).contains(user)) {
            expected.add(event);
          }
        }
        if (ALL_JOBS.contains(user) || user.equals("full_admin")) {
          expected.add("job:admin");
          expected.add("job:filesystem_read");
        } else if (user.equals("filesystem_read")) {
          expected.add("job:filesystem_read");
        }
        // Not produced on purpose here (no alert fires; membership changed before the
        // subscriptions),
        // but if one came, it must have been allowed.
        for (String incidental : List.of("alert.list", "cluster.nodes")) {
          if (seen.remove(incidental) && !EVENTS.get(incidental).contains(user)) {
            wrong.add(user + " * received " + incidental);
          }
        }
        if (!expected.equals(seen)) {
          wrong.add(user + " * received " + seen + ", expected " + expected);
        }
      }
      assertEquals(List.of(), wrong, String.join("\n", wrong));
    } finally {
      clients.values().forEach(WsClient::close);
      TestNodes.await(node.close());
    }
  }
}

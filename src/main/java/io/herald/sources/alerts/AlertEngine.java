package io.herald.sources.alerts;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.EventMessage;
import io.herald.Herald;
import io.herald.MethodDescriptor;
import io.herald.Published;
import io.herald.Registration;
import io.herald.Roles;
import io.herald.Snapshot;
import io.herald.jobs.JobManager;
import io.herald.util.OnContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert engine of a node: evaluates the rules of {@link AlertBook} every {@code interval} on
 * the metrics of {@link MetricSource} (read on a worker thread), raises a one-shot alert when a job
 * of this node fails, removes one-shot alerts after their TTL, and publishes every change on {@code
 * alert.list}. All state lives on this verticle's context; the public methods may be called from
 * any thread.
 */
public final class AlertEngine extends VerticleBase {

  /** Reads the metrics the rules look at. Blocking: it runs on a worker thread. */
  @FunctionalInterface
  public interface MetricSource {
    HostMetrics read() throws Exception;
  }

  private static final Logger LOG = LoggerFactory.getLogger(AlertEngine.class);

  /** One-shot alerts standing at once; the oldest goes (removed) to make room for a new one. */
  static final int MAX_ONE_SHOT = 100;

  /** How much of a failed job's error (client-controlled text) an alert carries. */
  static final int MAX_ERROR_CHARS = 500;

  private final Herald herald;
  private final AlertConfig config;
  private final MetricSource metrics;
  private AlertBook book;
  private Registration jobs;
  private long timer = -1;
  private Future<Void> evaluating;
  private boolean readFailing;
  private boolean stopped;

  AlertEngine(Herald herald, AlertConfig config, MetricSource metrics) {
    this.herald = herald;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    book = new AlertBook(herald.nodeId(), config, () -> UUID.randomUUID().toString());
    timer =
        vertx.setPeriodic(
            config.intervalMs(),
            id -> {
              if (evaluating == null) {
                evaluate();
              }
            });
    herald.registerSnapshot(Alerts.EVENT, this::snapshot);
    return herald
        .registerEvent(Alerts.DESCRIPTOR)
        .compose(
            v ->
                herald.registerMethod(
                    new MethodDescriptor(
                            Alerts.EVENT,
                            "The alerts standing on this node (the one the client is connected to), oldest first.",
                            new JsonObject().put("type", "array").put("maxItems", 0),
                            call -> list().map(list -> list))
                        .roles(Roles.ALERT_READ)))
        .compose(
            v ->
                herald.registerMethod(
                    new MethodDescriptor(
                            "alert.dismiss",
                            "Dismisses an alert of this node by uuid: a one-shot alert is removed, a rule alert is marked "
                                + "`dismissed` until it clears.",
                            new JsonObject()
                                .put("type", "array")
                                .put("minItems", 1)
                                .put("maxItems", 1)
                                .put(
                                    "prefixItems",
                                    new JsonArray().add(new JsonObject().put("type", "string"))),
                            call -> dismiss(call.params().getString(0)).map(x -> null))
                        .roles(Roles.ALERT_WRITE)))
        .compose(v -> herald.consume(JobManager.EVENT, this::onJobEvent))
        .onSuccess(registration -> jobs = registration);
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    book.all().forEach(a -> vertx.cancelTimer(a.expiry));
    return jobs == null ? Future.succeededFuture() : jobs.unregister();
  }

  /**
   * Reads the metrics and applies the rules now (the timer does this every interval, skipping a
   * tick while one runs); completes once the resulting messages are published. An evaluation
   * requested while one runs follows it, so it sees the metrics of the moment it was asked for. A
   * failed read is logged and changes nothing.
   */
  public Future<Void> evaluate() {
    return onContext(
            () -> {
              Future<Void> previous = evaluating == null ? Future.succeededFuture() : evaluating;
              Future<Void> next =
                  previous.transform(ar -> onContext(this::evaluateOnce).compose(f -> f));
              evaluating = next;
              next.onComplete(
                  ar -> {
                    if (evaluating == next) {
                      evaluating = null;
                    }
                  });
              return next;
            })
        .compose(f -> f);
  }

  private Future<Void> evaluateOnce() {
    return vertx
        .executeBlocking(metrics::read, false)
        .compose(
            read -> {
              if (readFailing) {
                LOG.info("alerts: host metrics readable again");
                readFailing = false;
              }
              return publish(stopped ? List.of() : book.evaluate(read, System.currentTimeMillis()));
            },
            failure -> {
              if (!readFailing) {
                LOG.warn(
                    "alerts: reading host metrics failed, rules not evaluated: {}",
                    failure.toString());
                readFailing = true;
              }
              return Future.succeededFuture();
            });
  }

  /** The standing alerts of this node, oldest first. */
  public Future<JsonArray> list() {
    return onContext(() -> book.list());
  }

  /**
   * The standing alerts as {@code added} messages, read with the position of the last one
   * published.
   */
  public Future<Snapshot> snapshot() {
    return onContext(
        () -> {
          List<EventMessage> items = new java.util.ArrayList<>();
          for (Object alert : book.list()) {
            JsonObject json = (JsonObject) alert;
            items.add(EventMessage.added(json.getString("uuid"), json));
          }
          return new Snapshot(items, List.of(herald.position(Alerts.EVENT)));
        });
  }

  /**
   * Dismisses an alert: a one-shot alert is removed; a rule alert stays (until its value clears)
   * with {@code dismissed: true}. ENOENT when no alert has that uuid.
   */
  public Future<Void> dismiss(String uuid) {
    return onContext(
            () -> {
              Alert alert = book.find(uuid);
              if (alert == null) {
                throw new CallError(Errno.ENOENT, "Alert '" + uuid + "' does not exist");
              }
              if (alert.oneShot) {
                return remove(alert);
              }
              if (alert.dismissed) {
                return Future.<Void>succeededFuture();
              }
              alert.dismissed = true;
              return publish(List.of(EventMessage.changed(alert.uuid, alert.toJson(book.node()))));
            })
        .compose(f -> f);
  }

  /**
   * A job that ended FAILED on this node: its events are published by the node that holds it (the
   * one it ran on, or the survivor that settled it after its node was lost), so this node's own
   * publications are its jobs.
   */
  private void onJobEvent(Published published) {
    EventMessage message = published.message();
    JsonObject job = message.fields();
    if (stopped
        || message.kind() != EventMessage.Kind.CHANGED
        || job == null
        || !"FAILED".equals(job.getString("state"))
        || !(job.getValue("id") instanceof Number id)
        || published.position() == null
        || !herald.nodeId().equals(published.position().epoch())) {
      return;
    }
    String method = job.getString("method");
    String error = clip(job.getString("error"));
    List<Alert> standing = book.oneShots();
    if (standing.size() >= MAX_ONE_SHOT) {
      remove(standing.get(0));
    }
    Alert alert =
        book.raiseOneShot(
            AlertBook.JOB_FAILED,
            Long.toString(id.longValue()),
            new JsonObject().put("id", id.longValue()).put("method", method).put("error", error),
            "Job " + id.longValue() + " (" + method + ") failed: " + error + ".",
            System.currentTimeMillis());
    if (alert != null) {
      alert.expiry =
          vertx.setTimer(
              config.oneShotTtlMs(),
              t -> {
                alert.expiry = -1;
                if (!stopped && book.find(alert.uuid) == alert) {
                  remove(alert);
                }
              });
      publish(List.of(EventMessage.added(alert.uuid, alert.toJson(book.node()))));
    }
  }

  private static String clip(String text) {
    return text == null || text.length() <= MAX_ERROR_CHARS
        ? text
        : text.substring(0, MAX_ERROR_CHARS) + "…";
  }

  private Future<Void> remove(Alert alert) {
    vertx.cancelTimer(alert.expiry);
    book.remove(alert.uuid);
    return publish(List.of(EventMessage.removed(alert.uuid)));
  }

  private Future<Void> publish(List<EventMessage> messages) {
    Future<Void> chain = Future.succeededFuture();
    for (EventMessage message : messages) {
      chain =
          chain.compose(
              v ->
                  herald
                      .publish(Alerts.EVENT, message)
                      .onFailure(
                          e ->
                              LOG.warn(
                                  "alerts: {} {} not published: {}",
                                  message.kind().wire,
                                  message.id(),
                                  e.toString()))
                      .recover(e -> Future.succeededFuture()));
    }
    return chain;
  }

  /** Runs {@code action} on the engine's context; a thrown {@link CallError} fails the future. */
  private <T> Future<T> onContext(Supplier<T> action) {
    if (context == null) {
      return Future.failedFuture(new CallError(Errno.EIO, "The alert engine is not running"));
    }
    return OnContext.call(context, action);
  }
}

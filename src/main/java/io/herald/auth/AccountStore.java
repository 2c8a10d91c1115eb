package io.herald.auth;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link Accounts}: one document in the cluster map {@link Addresses#MAP_ACCOUNTS},
 * replaced whole by compare-and-set, and a copy on every node's disk ({@code
 * <data.dir>/accounts.json}, mode 600) so that the accounts survive a restart of the whole cluster.
 *
 * <p>Reads are served from this node's cached copy ({@link #current}), which follows the map: a
 * node that stores a change publishes {@link Addresses#ACCOUNTS_CHANGED}, every node re-reads the
 * map, and a periodic re-read catches a missed notice (a partition). The higher revision wins
 * whenever two copies meet: at start between the file and the map, and at every re-read.
 */
public final class AccountStore {

  private static final Logger LOG = LoggerFactory.getLogger(AccountStore.class);
  private static final String KEY = "accounts";
  private static final int MAX_ATTEMPTS = 20;

  private final Vertx vertx;
  private final Membership membership;
  private final Path file;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private AsyncMap<String, String> map;
  private MessageConsumer<JsonObject> changes;
  private long refreshTimer = -1;
  private volatile Accounts current = Accounts.empty();

  public AccountStore(Vertx vertx, Membership membership, Path file) {
    this.vertx = vertx;
    this.membership = membership;
    this.file = file;
  }

  /**
   * Joins the cluster's accounts: the newer of this node's file and the cluster map becomes both;
   * when neither holds any, {@code bootstrap} makes the first document (the admin account), which
   * is stored only if no other node stored one first. Completes with whether this node's bootstrap
   * document was the one stored.
   */
  public Future<Boolean> start(Function<Accounts, Accounts> bootstrap, long refreshMs) {
    return membership
        .<String, String>map(Addresses.MAP_ACCOUNTS)
        .compose(
            m -> {
              map = m;
              changes = vertx.eventBus().consumer(Addresses.ACCOUNTS_CHANGED, msg -> refresh());
              return changes.completion();
            })
        .compose(v -> vertx.executeBlocking(this::readFile))
        .compose(local -> reconcile(local, bootstrap))
        .onSuccess(
            stored -> refreshTimer = vertx.setPeriodic(refreshMs, refreshMs, id -> refresh()));
  }

  private Future<Boolean> reconcile(Accounts local, Function<Accounts, Accounts> bootstrap) {
    return map.get(KEY)
        .compose(
            text -> {
              if (text == null) {
                Accounts first = local != null ? local : bootstrap.apply(Accounts.empty());
                return map.putIfAbsent(KEY, first.encode())
                    .compose(
                        previous -> {
                          if (previous != null) {
                            return reconcile(local, bootstrap).map(false);
                          }
                          return adopt(first).map(local == null);
                        });
              }
              Accounts cluster = Accounts.parse(text);
              if (local != null && local.revision() > cluster.revision()) {
                return map.replaceIfPresent(KEY, text, local.encode())
                    .compose(
                        replaced ->
                            replaced ? adopt(local).map(false) : reconcile(local, bootstrap));
              }
              return adopt(cluster).map(false);
            });
  }

  /** This node's copy of the accounts. */
  public Accounts current() {
    return current;
  }

  /**
   * Runs {@code listener} (on no particular thread) after this node's copy changed, until the
   * returned action is run.
   */
  public Runnable onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Applies {@code change} to the newest document and stores the result, retrying when another node
   * stored first; fails with the change's {@link CallError} when it refuses. {@code change} must be
   * cheap (no hashing) and may run several times.
   */
  public Future<Accounts> update(Function<Accounts, Accounts> change) {
    return attempt(change, 1)
        .compose(
            next -> {
              vertx.eventBus().publish(Addresses.ACCOUNTS_CHANGED, new JsonObject());
              return adopt(next).map(next);
            });
  }

  private Future<Accounts> attempt(Function<Accounts, Accounts> change, int n) {
    return map.get(KEY)
        .compose(
            text -> {
              Accounts base = text == null ? current : Accounts.parse(text);
              Accounts next;
              try {
                next = change.apply(base);
              } catch (CallError e) {
                return Future.failedFuture(e);
              }
              Future<Boolean> stored =
                  text == null
                      ? map.putIfAbsent(KEY, next.encode()).map(previous -> previous == null)
                      : map.replaceIfPresent(KEY, text, next.encode());
              return stored.compose(
                  ok -> {
                    if (ok) {
                      return Future.succeededFuture(next);
                    }
                    if (n >= MAX_ATTEMPTS) {
                      return Future.failedFuture(
                          new CallError(Errno.EAGAIN, "The accounts are changing; try again"));
                    }
                    return attempt(change, n + 1);
                  });
            });
  }

  /** Re-reads the map; adopts it when it is newer than this node's copy. */
  public Future<Void> refresh() {
    if (map == null) {
      return Future.succeededFuture();
    }
    return map.get(KEY)
        .compose(
            text -> {
              if (text == null) {
                // The map lost the document (every node holding it left): put ours back.
                return map.putIfAbsent(KEY, current.encode()).mapEmpty();
              }
              Accounts cluster = Accounts.parse(text);
              if (cluster.revision() > current.revision()) {
                return adopt(cluster);
              }
              if (cluster.revision() < current.revision()) {
                return map.replaceIfPresent(KEY, text, current.encode()).mapEmpty();
              }
              return Future.succeededFuture();
            })
        .recover(
            e -> {
              LOG.warn("reading the accounts failed: {}", e.toString());
              return Future.succeededFuture();
            });
  }

  private synchronized Future<Void> adopt(Accounts next) {
    if (next.revision() < current.revision()) {
      return Future.succeededFuture();
    }
    boolean changed = next.revision() > current.revision() || current.revision() == 0;
    current = next;
    if (!changed) {
      return Future.succeededFuture();
    }
    listeners.forEach(Runnable::run);
    return vertx.executeBlocking(
        () -> {
          writeFile();
          return null;
        });
  }

  private Accounts readFile() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    return Accounts.parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Writes the current copy (not the one that asked: writes may run out of order), atomically,
   * readable by the node's user only.
   */
  private synchronized void writeFile() throws IOException {
    Accounts accounts = current;
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, accounts.encode(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public Future<Void> close() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    return changes == null ? Future.succeededFuture() : changes.unregister();
  }
}

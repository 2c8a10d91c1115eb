package io.herald.cluster;

import io.herald.history.HistoryLogs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** A node without a cluster: nobody else, nobody leaves. */
final class StandaloneMembership implements Membership {

  private final Vertx vertx;
  private final String nodeId = UUID.randomUUID().toString();
  private final HistoryLogs history = new LocalHistoryLogs(System::currentTimeMillis);

  StandaloneMembership(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<String> others() {
    return List.of();
  }

  @Override
  public boolean isOldest() {
    return true;
  }

  @Override
  public String memberHost() {
    return null;
  }

  @Override
  public Runnable onLeft(Consumer<String> listener) {
    return () -> {};
  }

  @Override
  public Runnable onReturned(Consumer<String> listener) {
    return () -> {};
  }

  @Override
  public long lostSince(String node) {
    return 0;
  }

  @Override
  public HistoryLogs historyLogs() {
    return history;
  }

  @Override
  public <K, V> Future<AsyncMap<K, V>> map(String name) {
    return vertx.sharedData().getLocalAsyncMap(name);
  }
}

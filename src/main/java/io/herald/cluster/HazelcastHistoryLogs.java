package io.herald.cluster;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.herald.bus.Addresses;
import io.herald.history.HistoryEntry;
import io.herald.history.HistoryLogs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Histories in Hazelcast: one ringbuffer per event and publishing node ({@link
 * Addresses#historyLog}), with one synchronous backup on another member, so a log survives the
 * death of any one member, its own node's included. Each event's ringbuffers are configured once,
 * cluster-wide (Hazelcast's dynamic configuration, pattern {@link Addresses#historyLogs}), with the
 * event's capacity and age (Hazelcast's time to live, whole seconds rounded up: the reader applies
 * the exact age). Which nodes have a log of an event is the map {@link
 * Addresses#MAP_HISTORY_EPOCHS} (one synchronous backup too), written once per event and node.
 *
 * <p>Entries are stored as strings ({@link HistoryEntry#encode}): no class of Herald's is needed on
 * the members to store or read them; only the tiny {@link AddEpoch} entry processor runs there.
 */
final class HazelcastHistoryLogs implements HistoryLogs {

  /** How long a blocking read waits for a member's answer. */
  private static final long READ_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final Supplier<HazelcastInstance> hazelcast;

  /** The logs this node has prepared (configured and listed): {@code event/epoch}. */
  private final Set<String> prepared = ConcurrentHashMap.newKeySet();

  HazelcastHistoryLogs(Vertx vertx, Supplier<HazelcastInstance> hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
  }

  @Override
  public Future<Void> append(
      String event, String epoch, int capacity, long ttlMs, List<HistoryEntry> entries) {
    String name = Addresses.historyLog(event, epoch);
    Future<Void> ready =
        prepared.contains(name)
            ? Future.succeededFuture()
            : vertx.executeBlocking(
                () -> {
                  prepare(event, epoch, capacity, ttlMs);
                  prepared.add(name);
                  return null;
                },
                false);
    return ready.compose(
        v -> {
          List<String> texts = new ArrayList<>(entries.size());
          entries.forEach(e -> texts.add(e.encode()));
          Ringbuffer<String> log = hazelcast.get().getRingbuffer(name);
          return Future.fromCompletionStage(log.addAllAsync(texts, OverflowPolicy.OVERWRITE))
              .mapEmpty();
        });
  }

  /**
   * Blocking: configures the event's logs (a no-op when the same configuration is there) and lists
   * {@code epoch} among its logs, both before the log's first entry.
   */
  private void prepare(String event, String epoch, int capacity, long ttlMs) {
    HazelcastInstance hz = hazelcast.get();
    hz.getConfig()
        .addRingBufferConfig(
            new RingbufferConfig(Addresses.historyLogs(event))
                .setCapacity(capacity)
                .setTimeToLiveSeconds((int) ((ttlMs + 999) / 1000))
                .setBackupCount(1)
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.BINARY));
    IMap<String, String> epochs = hz.getMap(Addresses.MAP_HISTORY_EPOCHS);
    epochs.executeOnKey(event, new AddEpoch(epoch));
  }

  @Override
  public Set<String> epochs(String event) {
    IMap<String, String> epochs = hazelcast.get().getMap(Addresses.MAP_HISTORY_EPOCHS);
    return split(epochs.get(event));
  }

  @Override
  public Slice read(String event, String epoch, long from, int max) {
    Ringbuffer<String> log = hazelcast.get().getRingbuffer(Addresses.historyLog(event, epoch));
    long head = log.headSequence();
    long tail = log.tailSequence();
    long start = Math.min(Math.max(from, head), tail + 1);
    int count = (int) Math.min(Math.min(max, 1000), tail - start + 1);
    if (count <= 0) {
      return new Slice(head, tail, start, List.of());
    }
    ReadResultSet<String> result;
    try {
      result =
          log.readManyAsync(start, 0, count, null)
              .toCompletableFuture()
              .get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + log.getName(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read " + log.getName() + ": " + e, e);
    }
    List<HistoryEntry> entries = new ArrayList<>(result.size());
    for (String text : result) {
      entries.add(HistoryEntry.decode(text));
    }
    long first = result.size() > 0 ? result.getSequence(0) : start;
    return new Slice(
        Math.min(head, first), Math.max(tail, first + entries.size() - 1), first, entries);
  }

  static Set<String> split(String epochs) {
    return epochs == null || epochs.isBlank()
        ? new LinkedHashSet<>()
        : new LinkedHashSet<>(Arrays.asList(epochs.trim().split(" +")));
  }

  /** Adds an epoch to an event's list, on the member that owns it (and on its backup). */
  static final class AddEpoch implements EntryProcessor<String, String, Void> {
    private static final long serialVersionUID = 1L;
    private final String epoch;

    AddEpoch(String epoch) {
      this.epoch = epoch;
    }

    @Override
    public Void process(Map.Entry<String, String> entry) {
      Set<String> epochs = split(entry.getValue());
      if (epochs.add(epoch)) {
        entry.setValue(String.join(" ", epochs));
      }
      return null;
    }
  }
}

package io.herald.cluster;

import io.herald.history.HistoryEntry;
import io.herald.history.HistoryLogs;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Histories in this node's memory (a standalone node; and the tests of the history's logic): the
 * same bounds as the cluster's ringbuffers — the latest {@code capacity} entries, each dropped once
 * older than the age (measured from its append, on {@code clock}).
 */
public final class LocalHistoryLogs implements HistoryLogs {

  private final LongSupplier clock;
  private final Map<String, Map<String, Log>> logs = new HashMap<>();

  public LocalHistoryLogs(LongSupplier clock) {
    this.clock = clock;
  }

  private static final class Log {
    final int capacity;
    final long ttlMs;
    final ArrayDeque<HistoryEntry> entries = new ArrayDeque<>();
    final ArrayDeque<Long> appended = new ArrayDeque<>();
    long tail = -1;

    Log(int capacity, long ttlMs) {
      this.capacity = capacity;
      this.ttlMs = ttlMs;
    }

    long head() {
      return tail + 1 - entries.size();
    }

    void expire(long now) {
      while (!appended.isEmpty() && appended.peekFirst() + ttlMs <= now) {
        appended.pollFirst();
        entries.pollFirst();
      }
    }
  }

  @Override
  public synchronized Future<Void> append(
      String event, String epoch, int capacity, long ttlMs, List<HistoryEntry> entries) {
    Log log =
        logs.computeIfAbsent(event, e -> new java.util.TreeMap<>())
            .computeIfAbsent(epoch, e -> new Log(capacity, ttlMs));
    long now = clock.getAsLong();
    for (HistoryEntry entry : entries) {
      log.entries.addLast(entry);
      log.appended.addLast(now);
      log.tail++;
      if (log.entries.size() > log.capacity) {
        log.entries.pollFirst();
        log.appended.pollFirst();
      }
    }
    log.expire(now);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Set<String> epochs(String event) {
    return new LinkedHashSet<>(logs.getOrDefault(event, Map.of()).keySet());
  }

  @Override
  public synchronized Slice read(String event, String epoch, long from, int max) {
    Log log = logs.getOrDefault(event, Map.of()).get(epoch);
    if (log == null) {
      return new Slice(0, -1, 0, List.of());
    }
    log.expire(clock.getAsLong());
    long head = log.head();
    long start = Math.min(Math.max(from, head), log.tail + 1);
    List<HistoryEntry> out = new ArrayList<>();
    int skip = (int) (start - head);
    for (HistoryEntry entry : log.entries) {
      if (skip-- > 0) {
        continue;
      }
      if (out.size() >= max) {
        break;
      }
      out.add(entry);
    }
    return new Slice(head, log.tail, start, out);
  }
}

package io.herald.history;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * Where histories are kept: for each event that keeps one, one bounded log per publisher run
 * (epoch), appended to only by that run's node. The implementations live with the cluster manager
 * ({@code io.herald.cluster}): replicated in the cluster, or in memory for a standalone node.
 *
 * <p>A log is a sequence of entries numbered from 0 by the order of their appends; it keeps at most
 * {@code capacity} of the latest, each for at least {@code ttlMs} when nothing newer pushes it out.
 * The numbering goes on when entries leave: {@link Slice#tail} is the number of the last entry ever
 * appended.
 */
public interface HistoryLogs {

  /**
   * Appends {@code entries}, in order, to the log of ({@code event}, {@code epoch}), creating it
   * (and listing the epoch in {@link #epochs}) the first time. Completes once the entries are
   * stored as the implementation promises (replicated: on a backup too). Every append of an event
   * names the same {@code capacity} and {@code ttlMs}. May be called on an event loop.
   */
  Future<Void> append(
      String event, String epoch, int capacity, long ttlMs, List<HistoryEntry> entries);

  /** Blocking: the epochs that ever appended to a log of {@code event} (and still have one). */
  Set<String> epochs(String event);

  /**
   * Blocking: the entries of ({@code event}, {@code epoch}) from number {@code from} on (the oldest
   * kept when {@code from} is older), at most {@code max}, with the log's bounds.
   */
  Slice read(String event, String epoch, long from, int max);

  /**
   * Part of a log.
   *
   * @param head the number of the oldest entry kept (tail + 1 when none is)
   * @param tail the number of the last entry appended (-1 before the first)
   * @param first the number of the first of {@code entries}
   */
  record Slice(long head, long tail, long first, List<HistoryEntry> entries) {}
}

package io.herald.history;

import io.herald.StreamPosition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads histories: what a client missed since its position, and where the history stands. Blocking
 * (it reads {@link HistoryLogs}): run it on a worker thread. Stateless.
 *
 * <p>A log's entries are numbered in append order, and a node appends its publications in offset
 * order, so offset {@code n} is entry {@code n - 1} — unless an append failed (that offset is then
 * missing and the numbers after it shift). Nothing here relies on it beyond where to start reading:
 * what was missed is decided by the entries' own offsets, and a hole in them is a gap.
 */
public final class Recoverer {

  /** Entries read per call. */
  static final int BATCH = 1000;

  /**
   * How far before the entry numbered as the client's last offset reading starts, so that entries a
   * little out of place (an append that timed out and landed late) are still seen.
   */
  static final int SLACK = 64;

  private final HistoryLogs logs;

  public Recoverer(HistoryLogs logs) {
    this.logs = logs;
  }

  /**
   * What a client at {@code since} missed of {@code event}, kept for {@code ttlMs}, at {@code now}
   * (ms).
   *
   * @param published the last publication of each node that answered the barrier ({@link
   *     History#flush}): every one up to it must be in the history for the recovery to be complete
   */
  public Recovery since(
      String event, long ttlMs, HistoryPosition since, HistoryPosition published, long now) {
    Set<String> epochs = logs.epochs(event);
    Set<String> all = new TreeSet<>(epochs);
    all.addAll(since.epochs());
    all.addAll(published.epochs());
    boolean recovered = true;
    HistoryPosition at = since;
    List<List<Recovery.Recorded>> perEpoch = new ArrayList<>();
    for (String epoch : all) {
      long seen = since.offset(epoch);
      long through = published.offset(epoch);
      if (!epochs.contains(epoch)) {
        // No log: a run the history no longer knows (gone with the cluster: what the client saw
        // of it cannot be placed), or a node whose first publications are not stored yet.
        recovered &= through > 0 ? through <= seen : seen == 0;
        continue;
      }
      EpochRead read = readAfter(event, epoch, seen, through, now - ttlMs, false);
      recovered &= read.complete;
      perEpoch.add(read.missed);
      at = at.with(new StreamPosition(epoch, read.highest));
    }
    return new Recovery(interleave(perEpoch), recovered, at);
  }

  /**
   * The latest offset of every publisher run of {@code event}, recorded or {@code published} (as
   * answered to the barrier): where a client that subscribes now starts.
   */
  public HistoryPosition current(String event, HistoryPosition published) {
    Map<String, Long> offsets = new HashMap<>();
    for (String epoch : logs.epochs(event)) {
      HistoryLogs.Slice bounds = logs.read(event, epoch, Long.MAX_VALUE, 0);
      long offset = bounds.tail() + 1;
      if (bounds.tail() >= 0) {
        HistoryLogs.Slice last = logs.read(event, epoch, bounds.tail(), 1);
        if (!last.entries().isEmpty()) {
          offset = last.entries().get(0).offset();
        }
      }
      offsets.put(epoch, offset);
    }
    return HistoryPosition.of(offsets).merge(published);
  }

  private record EpochRead(List<Recovery.Recorded> missed, boolean complete, long highest) {}

  /**
   * The entries of one run after offset {@code seen}; complete when they are every offset from
   * {@code seen + 1} on, at least up to {@code through}, none older than {@code oldest} (ms), and
   * nothing newer was pushed out.
   */
  private EpochRead readAfter(
      String event, String epoch, long seen, long through, long oldest, boolean all) {
    long from = all ? 0 : Math.max(0, seen - 1 - SLACK);
    List<HistoryEntry> entries = new ArrayList<>();
    HistoryLogs.Slice slice = logs.read(event, epoch, from, BATCH);
    long head = slice.head();
    long tail = slice.tail();
    long start = slice.first();
    while (true) {
      entries.addAll(slice.entries());
      long next = slice.first() + slice.entries().size();
      if (slice.entries().isEmpty() || next > slice.tail()) {
        break;
      }
      slice = logs.read(event, epoch, next, BATCH);
      tail = Math.max(tail, slice.tail());
    }
    long highest = seen;
    List<HistoryEntry> after = new ArrayList<>();
    for (HistoryEntry entry : entries) {
      highest = Math.max(highest, entry.offset());
      if (entry.offset() > seen) {
        after.add(entry);
      }
    }
    after.sort(Comparator.comparingLong(HistoryEntry::offset));
    boolean complete = true;
    long expected = seen + 1;
    List<Recovery.Recorded> missed = new ArrayList<>();
    for (HistoryEntry entry : after) {
      if (entry.offset() != expected || entry.time() < oldest) {
        complete = false;
      }
      expected = entry.offset() + 1;
      if (entry.time() >= oldest) {
        missed.add(
            new Recovery.Recorded(
                new StreamPosition(epoch, entry.offset()),
                entry.frame(),
                entry.owner(),
                entry.time()));
      }
    }
    if (after.isEmpty() && tail + 1 > seen) {
      // More was appended than the client saw, and none of it is left.
      complete = false;
    }
    if (expected <= through) {
      // Published before the barrier, and not (or not yet) stored.
      complete = false;
    }
    if (!complete && !all && start > head) {
      // Perhaps an entry out of place before where reading started: read the whole log.
      return readAfter(event, epoch, seen, through, oldest, true);
    }
    return new EpochRead(missed, complete, highest);
  }

  /**
   * The publications of several runs in one list: each run's in its order, the runs interleaved by
   * recording time.
   */
  private static List<Recovery.Recorded> interleave(List<List<Recovery.Recorded>> perEpoch) {
    List<Recovery.Recorded> out = new ArrayList<>();
    int[] next = new int[perEpoch.size()];
    while (true) {
      int pick = -1;
      for (int i = 0; i < perEpoch.size(); i++) {
        List<Recovery.Recorded> list = perEpoch.get(i);
        if (next[i] < list.size()
            && (pick < 0 || list.get(next[i]).time() < perEpoch.get(pick).get(next[pick]).time())) {
          pick = i;
        }
      }
      if (pick < 0) {
        return out;
      }
      out.add(perEpoch.get(pick).get(next[pick]++));
    }
  }
}

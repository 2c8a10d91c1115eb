package io.herald.jobs;

import io.herald.bus.Addresses;
import io.herald.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job ids of a node: {@code block × 1,000,000 + n}, {@code n} from 1 to 999,999. The node takes
 * a block number from the cluster when it starts and whenever its block is used up, and numbers its
 * jobs in it locally (no cluster round trip per job): node A's first block 1 gives 1000001,
 * 1000002, ... ("block 1, job 2"). Ids stay far below 2^53, exact in JavaScript.
 *
 * <p>Why blocks: a cluster-wide counter per job is kept on both sides of a network partition, so
 * both sides issued the same ids. Nodes running when a partition happens keep numbering in their
 * own, distinct blocks on whichever side they are. The one case left: a node that takes a block
 * while partitioned (it starts during the split, or uses up its block during it) can take the same
 * number as a node on the other side.
 *
 * <p>Block numbers: the highest one taken is the counter {@value #COUNTER} of the cluster's map of
 * counters ({@link Addresses#MAP_COUNTERS}: on every node, and the higher value wins when a
 * partition heals). Each node also keeps the highest block it has taken in {@code <dir>/block},
 * written (atomically, on a worker thread) before the block's first id is issued, and a new block
 * is above both the map's value and that file's: after a restart of the whole cluster (the map is
 * gone), no block is taken again as long as the nodes' data directories survive.
 *
 * <p>Thread-safe; {@link #next()} may be called from any thread.
 */
public final class JobIds {

  /** Ids per block (the first of a block, {@code block × BLOCK_SIZE}, is not used). */
  public static final long BLOCK_SIZE = 1_000_000;

  /** The key, in the cluster's map of counters, of the highest block taken. */
  static final String COUNTER = "herald.jobs.blocks";

  static final String FILE = "block";
  private static final long MAX_SAFE_ID = (1L << 53) - 1;

  /** The largest job id there can be: 2^53 - 1. */
  static final long MAX_ID = MAX_SAFE_ID;

  private static final Logger LOG = LoggerFactory.getLogger(JobIds.class);

  private final Vertx vertx;
  private final Membership membership;
  private final Path file;
  private final long blockSize;
  private long block;
  private long used;
  private long highest = -1;
  private Future<Void> taking;

  JobIds(Vertx vertx, Membership membership, Path dir, long blockSize) {
    this.vertx = vertx;
    this.membership = membership;
    this.file = dir.resolve(FILE);
    this.blockSize = blockSize;
  }

  /**
   * The ids of a node whose files are in {@code dir}. Its first block is taken now (the node
   * starts), so that it has one before any partition; when that fails, the first {@link #next()}
   * tries again.
   */
  public static JobIds start(Vertx vertx, Membership membership, Path dir) {
    JobIds ids = new JobIds(vertx, membership, dir, BLOCK_SIZE);
    ids.refill().onFailure(e -> LOG.warn("no job id block yet: {}", e.toString()));
    return ids;
  }

  /**
   * The next job id, unique in the cluster; fails when no block can be taken (the cluster map, the
   * file).
   */
  public Future<Long> next() {
    Future<Void> refilled;
    synchronized (this) {
      if (block > 0 && used < blockSize - 1) {
        used++;
        return Future.succeededFuture(block * blockSize + used);
      }
      refilled = refill();
    }
    return refilled.compose(v -> next());
  }

  /**
   * The block being taken, taking one if none is (calls that find the block used up wait for the
   * same one).
   */
  private synchronized Future<Void> refill() {
    if (taking == null) {
      Promise<Void> taken = Promise.promise();
      taking = taken.future();
      take()
          .onComplete(
              ar -> {
                synchronized (this) {
                  taking = null;
                  if (ar.succeeded()) {
                    block = ar.result();
                    used = 0;
                  }
                }
                if (ar.succeeded()) {
                  taken.complete();
                } else {
                  taken.fail(ar.cause());
                }
              });
    }
    return taking;
  }

  private Future<Long> take() {
    return highest()
        .compose(
            floor ->
                membership
                    .<String, Long>map(Addresses.MAP_COUNTERS)
                    .compose(map -> claim(map, floor)))
        .compose(
            taken -> {
              if (taken + 1 > (MAX_SAFE_ID + 1) / blockSize) {
                return Future.failedFuture(
                    new IllegalStateException("job id blocks exhausted at block " + taken));
              }
              // Persisted before the first id of the block is issued: a restart never takes it
              // again.
              return vertx.executeBlocking(() -> persist(file, taken), false).map(taken);
            })
        .onSuccess(
            taken -> {
              synchronized (this) {
                highest = Math.max(highest, taken);
              }
              LOG.info(
                  "job ids: block {} ({} to {})",
                  taken,
                  taken * blockSize + 1,
                  taken * blockSize + blockSize - 1);
            });
  }

  /**
   * The highest block this node took: from memory, else from its file (read once, on a worker
   * thread).
   */
  private Future<Long> highest() {
    synchronized (this) {
      if (highest >= 0) {
        return Future.succeededFuture(highest);
      }
    }
    return vertx.executeBlocking(() -> read(file), false);
  }

  /**
   * Takes the next block: one above both the cluster's highest and {@code floor} (this node's
   * highest), in one compare-and-set, so the cluster's value is raised past the blocks this node
   * took before a restart.
   */
  private static Future<Long> claim(AsyncMap<String, Long> map, long floor) {
    return map.get(COUNTER)
        .compose(
            current -> {
              long next = Math.max(current == null ? 0 : current, floor) + 1;
              Future<Boolean> swapped =
                  current == null
                      ? map.putIfAbsent(COUNTER, next).map(previous -> previous == null)
                      : map.replaceIfPresent(COUNTER, current, next);
              return swapped.compose(won -> won ? Future.succeededFuture(next) : claim(map, floor));
            });
  }

  // --- the file: static and synchronized, and locked, so that nodes sharing a directory (several
  // in one JVM in
  // tests, or two processes started on one data directory) keep the highest block any of them took
  // ---

  private static synchronized long read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " does not hold a block number: '" + text + "'", e);
    }
  }

  /**
   * Writes {@code block} if it is higher than the file's: a temporary file, synced, moved over the
   * old one.
   */
  private static synchronized Void persist(Path file, long block) throws IOException {
    Files.createDirectories(file.getParent());
    try (FileChannel lockFile =
            FileChannel.open(
                file.resolveSibling(file.getFileName() + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock ignored = lockFile.lock()) {
      if (read(file) >= block) {
        return null;
      }
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel out =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write(ByteBuffer.wrap((block + "\n").getBytes(StandardCharsets.US_ASCII)));
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException notSupported) {
      // Some file systems cannot sync a directory; the move itself is atomic.
    }
    return null;
  }
}

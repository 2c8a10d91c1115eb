package io.herald.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.cluster.Membership;
import io.herald.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job ids on their own, with the cluster map of a standalone Vert.x: a fresh Vert.x is a
 * whole-cluster restart (the map starts empty), a second {@link JobIds} on the same Vert.x is
 * another node.
 */
class JobIdsTest {

  private final List<Vertx> vertxes = new ArrayList<>();

  /** Ids on a fresh Vert.x (a cluster of its own), in blocks of {@code blockSize}. */
  private JobIds ids(Path dir, long blockSize) {
    Vertx vertx = vertx();
    return new JobIds(vertx, Membership.standalone(vertx), dir, blockSize);
  }

  /** As a node starts them, on a fresh Vert.x. */
  private JobIds started(Path dir) {
    Vertx vertx = vertx();
    return JobIds.start(vertx, Membership.standalone(vertx), dir);
  }

  private Vertx vertx() {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    return vertx;
  }

  @AfterEach
  void close() {
    vertxes.forEach(v -> TestNodes.await(v.close()));
  }

  private static List<Long> take(JobIds ids, int n) {
    List<Long> taken = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      taken.add(TestNodes.await(ids.next()));
    }
    return taken;
  }

  private static long persisted(Path dir) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve(JobIds.FILE)).trim());
  }

  @Test
  void idsAreTheBlockTimesAMillionPlusASequence(@TempDir Path dir) throws Exception {
    JobIds ids = started(dir);
    assertEquals(List.of(1_000_001L, 1_000_002L, 1_000_003L), take(ids, 3));
    assertEquals(1, persisted(dir));
  }

  @Test
  void nodesSharingTheClusterMapNumberInDistinctBlocks(@TempDir Path a, @TempDir Path b) {
    Vertx cluster = vertx();
    JobIds first = new JobIds(cluster, Membership.standalone(cluster), a, 10);
    JobIds second = new JobIds(cluster, Membership.standalone(cluster), b, 10);
    assertEquals(List.of(11L, 12L), take(first, 2));
    assertEquals(List.of(21L, 22L), take(second, 2));
    assertEquals(List.of(13L), take(first, 1));
  }

  @Test
  void aUsedUpBlockIsFollowedByANewOneAndConcurrentCallsGetDistinctIds(@TempDir Path dir)
      throws Exception {
    JobIds ids = ids(dir, 4);
    assertEquals(List.of(5L, 6L, 7L, 9L, 10L, 11L, 13L), take(ids, 7));
    // 30 calls at once, from another thread than the Vert.x one: every id once, three per block,
    // none at n = 0.
    List<Future<Long>> calls = IntStream.range(0, 30).mapToObj(i -> ids.next()).toList();
    TestNodes.await(Future.all(calls));
    Set<Long> distinct = new TreeSet<>();
    calls.forEach(f -> distinct.add(f.result()));
    assertEquals(30, distinct.size(), distinct.toString());
    assertTrue(distinct.stream().noneMatch(id -> id % 4 == 0), distinct.toString());
    assertEquals(14L, distinct.iterator().next());
    assertEquals(
        13, persisted(dir), "the highest block taken is on disk"); // 37 ids, three per block
  }

  @Test
  void afterAWholeClusterRestartNoBlockIsTakenAgain(
      @TempDir Path a, @TempDir Path b, @TempDir Path c) throws Exception {
    Vertx before = vertx();
    JobIds nodeA = new JobIds(before, Membership.standalone(before), a, 10);
    JobIds nodeB = new JobIds(before, Membership.standalone(before), b, 10);
    Set<Long> seen = new HashSet<>(take(nodeA, 25)); // nine ids per block: blocks 1, 2 and 3
    seen.addAll(take(nodeB, 1));
    assertEquals(4, persisted(b));
    TestNodes.await(before.close());

    // The cluster map is gone. Node B starts first: its block is above its own file's, and the map
    // is raised with it.
    Vertx after = vertx();
    JobIds nodeB2 = new JobIds(after, Membership.standalone(after), b, 10);
    JobIds nodeA2 = new JobIds(after, Membership.standalone(after), a, 10);
    JobIds fresh = new JobIds(after, Membership.standalone(after), c, 10);
    assertEquals(List.of(51L), take(nodeB2, 1));
    assertEquals(List.of(61L), take(nodeA2, 1));
    assertEquals(List.of(71L), take(fresh, 1));
    assertTrue(seen.stream().allMatch(id -> id < 50), seen.toString());
  }

  @Test
  void aBlockFileAheadOfTheClusterRaisesIt(@TempDir Path dir, @TempDir Path other)
      throws Exception {
    Files.writeString(dir.resolve(JobIds.FILE), "41\n");
    Vertx cluster = vertx();
    assertEquals(
        42_000_001L,
        TestNodes.await(JobIds.start(cluster, Membership.standalone(cluster), dir).next()));
    assertEquals(42, persisted(dir));
    assertEquals(
        43_000_001L,
        TestNodes.await(JobIds.start(cluster, Membership.standalone(cluster), other).next()));
  }

  @Test
  void noIdIsIssuedWhenTheBlockCannotBePersisted(@TempDir Path dir) throws Exception {
    Path notADirectory = dir.resolve("file");
    Files.writeString(notADirectory, "");
    JobIds ids = started(notADirectory);
    assertThrows(Exception.class, () -> ids.next().await(10, TimeUnit.SECONDS));
  }
}

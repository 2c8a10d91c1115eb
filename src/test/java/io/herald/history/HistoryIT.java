package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.StreamPosition;
import io.herald.bus.Addresses;
import io.herald.node.Node;
import io.herald.stream.CatchUp;
import io.herald.support.ClusterNodes;
import io.herald.support.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The history in a three-node cluster: what node 0 published is recovered on node 1, also after
 * node 0 crashed; the count and age bounds; and a recovery joined with the live stream.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HistoryIT {

  private static final EventDescriptor NEWS =
      EventDescriptor.broadcast("hist.news").history(50, 60_000).build();
  private static final EventDescriptor FEW =
      EventDescriptor.broadcast("hist.few").history(5, 60_000).build();
  private static final EventDescriptor BRIEF =
      EventDescriptor.broadcast("hist.brief").history(100, 1_500).build();
  private static final EventDescriptor STREAM =
      EventDescriptor.broadcast("hist.stream").history(10_000, 60_000).build();

  private static ClusterNodes cluster;
  private static Node n0;
  private static Node n1;
  private static Node n2;

  @BeforeAll
  static void start() {
    cluster = new ClusterNodes();
    n0 = cluster.start();
    n1 = cluster.start();
    n2 = cluster.start();
    for (Node node : List.of(n0, n1, n2)) {
      for (EventDescriptor event : List.of(NEWS, FEW, BRIEF, STREAM)) {
        TestNodes.await(node.registerEvent(event));
      }
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static void publish(Node node, EventDescriptor event, int from, int to) {
    for (int i = from; i <= to; i++) {
      TestNodes.await(
          node.publish(
              event.name(),
              EventMessage.added(i, new JsonObject().put("n", i))
                  .withOwner(i % 2 == 0 ? "bob" : null)));
    }
  }

  private static Recovery since(Node node, EventDescriptor event, Map<String, Long> seen) {
    return TestNodes.await(node.history().since(event, HistoryPosition.of(seen)));
  }

  private static List<Long> offsets(Recovery r, String epoch) {
    return r.missed().stream()
        .filter(m -> m.position().epoch().equals(epoch))
        .map(m -> m.position().offset())
        .toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  @Order(1)
  void theCountBoundKeepsTheLatest() {
    publish(n0, FEW, 1, 8);
    Recovery late = since(n1, FEW, Map.of(n0.nodeId(), 2L));
    assertFalse(late.recovered(), "3 was pushed out by 8");
    assertEquals(range(4, 8), offsets(late, n0.nodeId()));
    Recovery inTime = since(n2, FEW, Map.of(n0.nodeId(), 3L));
    assertTrue(inTime.recovered());
    assertEquals(range(4, 8), offsets(inTime, n0.nodeId()));
  }

  @Test
  @Order(2)
  void theAgeBoundDropsTheOld() throws InterruptedException {
    publish(n0, BRIEF, 1, 3);
    Thread.sleep(1_700);
    publish(n0, BRIEF, 4, 4);
    Recovery old = since(n1, BRIEF, Map.of());
    assertFalse(old.recovered(), "1 to 3 are older than 1.5 s");
    assertEquals(List.of(4L), offsets(old, n0.nodeId()));
    Recovery recent = since(n1, BRIEF, Map.of(n0.nodeId(), 3L));
    assertTrue(recent.recovered());
    assertEquals(List.of(4L), offsets(recent, n0.nodeId()));
  }

  @Test
  @Order(3)
  void aRecoveryJoinsTheLiveStreamWithoutGapOrDuplicate() {
    // node 2 publishes 1..400 while a subscription on node 1 that saw 1..20 comes back.
    Context context = cluster.vertx(1).getOrCreateContext();
    List<Long> delivered = new CopyOnWriteArrayList<>();
    AtomicInteger offered = new AtomicInteger();
    String epoch = n2.nodeId();
    CatchUp<Long> catchUp = CatchUp.of(delivered::add, CatchUp.MAX_HELD);
    Future<Void> publishing =
        TestNodes.on(
            cluster.vertx(2).getOrCreateContext(),
            () -> {
              List<Future<Void>> all = new ArrayList<>();
              for (int i = 1; i <= 400; i++) {
                int n = i;
                all.add(
                    cluster
                        .vertx(2)
                        .timer(1 + n / 2)
                        .compose(
                            t ->
                                n2.publish(
                                    STREAM.name(), EventMessage.added(n, new JsonObject()))));
              }
              return Future.all(all).mapEmpty();
            });
    TestNodes.eventually(10_000, "20 published", () -> n2.position(STREAM.name()).offset() >= 20);
    TestNodes.await(
        TestNodes.on(
            context,
            () ->
                n1.consume(
                    STREAM.name(),
                    p -> {
                      offered.incrementAndGet();
                      catchUp.offer(p.position(), p.position().offset());
                    })));
    // Once one live message of node 2 arrived, every later one arrives: read the history then.
    TestNodes.eventually(10_000, "a live message", () -> offered.get() > 0);
    Recovery r =
        TestNodes.await(
            TestNodes.on(
                context, () -> n1.history().since(STREAM, HistoryPosition.of(Map.of(epoch, 20L)))));
    assertTrue(r.recovered());
    TestNodes.run(
        context,
        () ->
            assertTrue(
                catchUp.open(
                    r.missed().stream().map(m -> m.position().offset()).toList(),
                    r.at().positions(),
                    () -> {})));
    TestNodes.await(publishing);
    TestNodes.eventually(10_000, "all delivered", () -> delivered.size() >= 380);
    assertEquals(range(21, 400), delivered);
    assertTrue(r.missed().size() > 0, "some came from the history");
    assertTrue(r.missed().size() < 380, "some came live");
    System.out.printf(
        "HistoryIT: recovery joined the stream: %d from the history, %d live%n",
        r.missed().size(), 380 - r.missed().size());
  }

  @Test
  @Order(4)
  void whatACrashedNodePublishedIsRecoveredOnAnother() {
    String epoch = n0.nodeId();
    publish(n0, NEWS, 1, 10);
    publish(n2, NEWS, 1, 2);
    Recovery before = since(n1, NEWS, Map.of(epoch, 3L, n2.nodeId(), 2L));
    assertTrue(before.recovered());
    assertEquals(range(4, 10), offsets(before, epoch));
    assertEquals(
        1,
        cluster
            .hazelcast(1)
            .getConfig()
            .findRingbufferConfig(Addresses.historyLog(NEWS.name(), epoch))
            .getBackupCount(),
        "one synchronous backup");
    cluster.awaitSafe(1);
    cluster.crash(0);
    Recovery after = since(n1, NEWS, Map.of(epoch, 3L, n2.nodeId(), 2L));
    assertTrue(after.recovered(), "node 0's log survived it");
    assertEquals(range(4, 10), offsets(after, epoch));
    assertEquals(before.missed(), after.missed(), "the same frames, owners and times");
    Recovery.Recorded fourth = after.missed().get(0);
    assertEquals(
        new JsonObject(
            "{\"msg\":\"added\",\"collection\":\"hist.news\",\"id\":4,\"fields\":{\"n\":4}}"),
        new JsonObject(fourth.frame()));
    assertEquals("bob", fourth.owner());
    assertEquals(new StreamPosition(epoch, 4), fourth.position());
    // The survivors go on; a client that saw nothing of node 0 gets all it published.
    publish(n2, NEWS, 3, 3);
    Recovery fresh = since(n1, NEWS, Map.of(n2.nodeId(), 2L));
    assertTrue(fresh.recovered());
    assertEquals(range(1, 10), offsets(fresh, epoch));
    assertEquals(List.of(3L), offsets(fresh, n2.nodeId()));
    assertEquals(
        HistoryPosition.of(Map.of(epoch, 10L, n2.nodeId(), 3L)),
        TestNodes.await(n1.history().current(NEWS)));
  }
}

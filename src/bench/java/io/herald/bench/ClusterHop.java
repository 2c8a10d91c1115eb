package io.herald.bench;

final class ClusterHop {
  private final FanoutBench bench;

  ClusterHop(FanoutBench bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("ClusterHop: not yet");
  }
}

package io.herald.bench;

final class ColdStart {
  private final FanoutBench bench;

  ColdStart(FanoutBench bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("ColdStart: not yet");
  }
}

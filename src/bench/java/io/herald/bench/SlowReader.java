package io.herald.bench;

final class SlowReader {
  private final FanoutBench bench;

  SlowReader(FanoutBench bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("SlowReader: not yet");
  }
}

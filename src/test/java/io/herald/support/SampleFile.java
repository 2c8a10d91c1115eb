package io.herald.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** A file of pseudo-random bytes for checksum jobs, and the SHA-256 they must answer. */
public record SampleFile(Path path, String sha256) {

  /** {@code size} bytes from {@code seed} written to {@code dir}/{@code name} (its real path). */
  public static SampleFile write(Path dir, String name, int size, long seed) throws IOException {
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    Path path = Files.write(dir.resolve(name), content).toRealPath();
    try {
      return new SampleFile(
          path, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

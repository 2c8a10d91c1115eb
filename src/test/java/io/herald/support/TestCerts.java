package io.herald.support;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Certificates made at test time: self-signed ones from Vert.x's {@link SelfSignedCertificate}
 * (Netty's generator, no Bouncy Castle needed), written as PEM files where the test says.
 */
public final class TestCerts {

  /** A certificate and its private key, as PEM files. */
  public record Pair(Path cert, Path key) {

    /** Trust options that accept this certificate only. */
    public PemTrustOptions trust() {
      return new PemTrustOptions().addCertPath(cert.toString());
    }

    /** The certificate's PEM text. */
    public String certPem() {
      try {
        return Files.readString(cert);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Writes this pair over {@code target}'s files (each replaced at once, cert first). */
    public void copyTo(Pair target) {
      try {
        Path tmpCert = Files.createTempFile(target.cert().getParent(), "cert", ".tmp");
        Path tmpKey = Files.createTempFile(target.key().getParent(), "key", ".tmp");
        Files.copy(cert, tmpCert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(key, tmpKey, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmpCert, target.cert(), StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpKey, target.key(), StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private TestCerts() {}

  /**
   * A new self-signed certificate for {@code localhost}, as {@code dir/name.crt} and {@code .key}.
   */
  public static Pair selfSigned(Path dir, String name) {
    SelfSignedCertificate generated = SelfSignedCertificate.create("localhost");
    try {
      Pair pair = new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
      Files.copy(
          Path.of(generated.certificatePath()), pair.cert(), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          Path.of(generated.privateKeyPath()), pair.key(), StandardCopyOption.REPLACE_EXISTING);
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      generated.delete();
    }
  }

  /** One PEM file holding every certificate of {@code pairs}: a trust file accepting them all. */
  public static Path trustFile(Path file, Pair... pairs) {
    StringBuilder pem = new StringBuilder();
    for (Pair pair : pairs) {
      pem.append(pair.certPem());
      if (pem.charAt(pem.length() - 1) != '\n') {
        pem.append('\n');
      }
    }
    try {
      return Files.writeString(file, pem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

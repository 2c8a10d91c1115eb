package io.herald.http;

import io.herald.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server's certificate ({@code http.tls.cert}, {@code http.tls.key}): read and checked at
 * start, then watched. Every {@code http.tls.reload-interval-ms} the two files' modification times
 * are read off the event loop; when either changed, the new pair is read and checked (it parses,
 * and the key is the certificate's: it signs what the certificate's public key verifies) and handed
 * to the servers with {@link HttpServer#updateSSLOptions}: new connections get it, open ones keep
 * theirs. A pair that fails the check is logged and the old one kept (until the files change
 * again). The options carry the files' contents, not their paths: Vert.x caches a TLS context by
 * its options, so the same paths would never be read again.
 */
public final class ServerTls {

  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  /** A pair as read: the options holding its contents, and what identifies the files' version. */
  private record Loaded(PemKeyCertOptions options, Stamp stamp, String description) {}

  /** The files' modification times (and sizes): a change of either means a new pair. */
  private record Stamp(FileTime cert, long certSize, FileTime key, long keySize) {}

  private final Vertx vertx;
  private final Path certPath;
  private final Path keyPath;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile Loaded current;

  /** The stamp of the last pair looked at, good or bad: a bad pair is reported once. */
  private volatile Stamp seen;

  private long timer = -1;

  private ServerTls(Vertx vertx, Path certPath, Path keyPath) {
    this.vertx = vertx;
    this.certPath = certPath;
    this.keyPath = keyPath;
  }

  /**
   * Reads and checks the pair of {@code settings} (off the event loop), then starts watching it.
   * Fails, naming the setting, when the pair is not usable.
   */
  public static Future<ServerTls> start(Vertx vertx, Settings settings) {
    ServerTls tls =
        new ServerTls(vertx, Path.of(settings.httpTlsCert()), Path.of(settings.httpTlsKey()));
    return vertx
        .executeBlocking(tls::read)
        .recover(
            e ->
                Future.failedFuture(
                    new IllegalArgumentException(
                        "settings 'http.tls.cert' / 'http.tls.key': " + e.getMessage(), e)))
        .map(
            loaded -> {
              tls.current = loaded;
              tls.seen = loaded.stamp();
              LOG.info("http.tls: serving {}", loaded.description());
              tls.timer =
                  vertx.setPeriodic(settings.httpTlsReloadIntervalMs(), id -> tls.checkFiles());
              return tls;
            });
  }

  /** The current pair, for a server about to listen. */
  public PemKeyCertOptions keyCert() {
    return current.options().copy();
  }

  /** {@code server} gets every new pair from now on, until {@link #forget}. */
  void serve(HttpServer server) {
    servers.add(server);
  }

  void forget(HttpServer server) {
    servers.remove(server);
  }

  /** Stops watching the files. */
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * Looks at the files now (off the event loop); when they changed, reads, checks and applies the
   * new pair. Completes with true when a new pair was applied, false otherwise (unchanged, already
   * seen, or not usable: logged).
   */
  Future<Boolean> checkFiles() {
    if (!checking.compareAndSet(false, true)) {
      return Future.succeededFuture(false);
    }
    return vertx
        .executeBlocking(
            () -> {
              Stamp stamp = stamp();
              if (Objects.equals(stamp, seen)) {
                return null;
              }
              seen = stamp;
              try {
                return read();
              } catch (Exception e) {
                LOG.warn(
                    "http.tls: the new certificate pair ({}, {}) is not usable, keeping the one"
                        + " in use: {}",
                    certPath,
                    keyPath,
                    e.getMessage());
                return null;
              }
            })
        .compose(loaded -> loaded == null ? Future.succeededFuture(false) : apply(loaded))
        .recover(
            e -> {
              LOG.warn("http.tls: could not look at the certificate files: {}", e.toString());
              return Future.succeededFuture(false);
            })
        .andThen(ar -> checking.set(false));
  }

  private Future<Boolean> apply(Loaded loaded) {
    ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(loaded.options());
    Future<Void> all = Future.succeededFuture();
    for (HttpServer server : servers) {
      all = all.compose(v -> server.updateSSLOptions(ssl.copy()).mapEmpty());
    }
    return all.map(
            v -> {
              current = loaded;
              LOG.info("http.tls: reloaded, now serving {}", loaded.description());
              return true;
            })
        .recover(
            e -> {
              LOG.warn(
                  "http.tls: the new certificate pair was refused, keeping the one in use: {}",
                  e.toString());
              return Future.succeededFuture(false);
            });
  }

  private Stamp stamp() throws IOException {
    return new Stamp(
        Files.getLastModifiedTime(certPath),
        Files.size(certPath),
        Files.getLastModifiedTime(keyPath),
        Files.size(keyPath));
  }

  /** Reads both files and checks them (blocking). */
  private Loaded read() throws Exception {
    Stamp stamp = stamp();
    PemKeyCertOptions options =
        new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(read(certPath)))
            .setKeyValue(Buffer.buffer(read(keyPath)));
    return new Loaded(options, stamp, check(vertx, options));
  }

  private static byte[] read(Path path) throws IOException {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new IOException("cannot read " + path + ": " + e, e);
    }
  }

  /**
   * Checks that {@code options} hold a certificate chain and the private key of its first
   * certificate; returns a description of the certificate for the log.
   *
   * @throws IllegalArgumentException when they do not
   */
  static String check(Vertx vertx, PemKeyCertOptions options) {
    X509KeyManager manager;
    try {
      manager = x509(options.getKeyManagerFactory(vertx).getKeyManagers());
    } catch (Exception e) {
      throw new IllegalArgumentException("not a PEM certificate and private key: " + e, e);
    }
    for (String type : List.of("RSA", "EC", "EdDSA", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases == null || aliases.length == 0) {
        continue;
      }
      X509Certificate[] chain = manager.getCertificateChain(aliases[0]);
      PrivateKey key = manager.getPrivateKey(aliases[0]);
      if (chain == null || chain.length == 0 || key == null) {
        continue;
      }
      X509Certificate cert = chain[0];
      if (!signs(key, cert)) {
        throw new IllegalArgumentException(
            "the private key does not belong to the certificate " + cert.getSubjectX500Principal());
      }
      String validity;
      try {
        cert.checkValidity();
        validity = "valid until " + cert.getNotAfter().toInstant();
      } catch (CertificateExpiredException e) {
        validity = "EXPIRED on " + cert.getNotAfter().toInstant();
        LOG.warn(
            "http.tls: the certificate {} expired on {}",
            cert.getSubjectX500Principal(),
            cert.getNotAfter().toInstant());
      } catch (CertificateNotYetValidException e) {
        validity = "NOT YET VALID (from " + cert.getNotBefore().toInstant() + ")";
        LOG.warn(
            "http.tls: the certificate {} is valid only from {}",
            cert.getSubjectX500Principal(),
            cert.getNotBefore().toInstant());
      }
      return cert.getSubjectX500Principal() + " (SHA-256 " + fingerprint(cert) + "), " + validity;
    }
    throw new IllegalArgumentException("no private key with its certificate found");
  }

  /** The first 8 bytes of the certificate's SHA-256 fingerprint, in hex: tells renewals apart. */
  private static String fingerprint(X509Certificate cert) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").formatHex(digest, 0, 8) + "...";
    } catch (Exception e) {
      return "?";
    }
  }

  private static X509KeyManager x509(KeyManager[] managers) {
    for (KeyManager manager : managers) {
      if (manager instanceof X509KeyManager x509) {
        return x509;
      }
    }
    throw new IllegalArgumentException("no X.509 key manager");
  }

  /**
   * Whether {@code key} signs what {@code cert}'s public key verifies (unknown algorithms: yes).
   */
  private static boolean signs(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
          case "DSA" -> "SHA256withDSA";
          default -> null;
        };
    if (algorithm == null) {
      return true;
    }
    try {
      byte[] data = new byte[32];
      new SecureRandom().nextBytes(data);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(data);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(data);
      return verifier.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }
}

package io.herald.jobs;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.Herald;
import io.herald.JobHandle;
import io.herald.Roles;
import io.herald.files.FileRoots;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The built-in job methods {@code filesystem.checksum} and {@code core.bulk}. */
public final class BuiltinJobs {

  private static final Map<String, String> ALGORITHMS =
      Map.of("md5", "MD5", "sha1", "SHA-1", "sha256", "SHA-256", "sha512", "SHA-512");
  private static final int CHUNK = 1 << 16;

  /** How many calls one {@code core.bulk} job may make. */
  static final int MAX_BULK_CALLS = 10_000;

  private BuiltinJobs() {}

  /**
   * Registers {@code filesystem.checksum} (paths inside {@code roots} only) and {@code core.bulk}.
   */
  public static Future<Void> install(Herald herald, Vertx vertx, FileRoots roots) {
    return Future.all(
            herald.registerJobMethod(
                "filesystem.checksum",
                """
                Hashes a file, or every regular file of a directory tree, with `algorithm` (`md5`, `sha1`, \
                `sha256` (default), `sha512`). Progress by bytes. Result: the hex digest of a file, or \
                `{relative path: digest}` for a directory. Only paths inside the configured `files.roots`.""",
                new JsonObject()
                    .put("type", "array")
                    .put("minItems", 1)
                    .put("maxItems", 2)
                    .put(
                        "prefixItems",
                        new JsonArray()
                            .add(new JsonObject().put("type", "string"))
                            .add(
                                new JsonObject()
                                    .put(
                                        "enum",
                                        new JsonArray(
                                            List.copyOf(
                                                ALGORITHMS.keySet().stream().sorted().toList()))))),
                List.of(Roles.FILESYSTEM_READ),
                job -> vertx.executeBlocking(() -> checksum(job, roots), false)),
            herald.registerJobMethod(
                "core.bulk",
                """
                Calls `method` once per entry of `params_list` (each a params list), one after the other. \
                Result: a list of `{"result": .., "error": ..}` in the same order.""",
                new JsonObject()
                    .put("type", "array")
                    .put("minItems", 2)
                    .put("maxItems", 2)
                    .put(
                        "prefixItems",
                        new JsonArray()
                            .add(new JsonObject().put("type", "string"))
                            .add(
                                new JsonObject()
                                    .put("type", "array")
                                    .put("maxItems", MAX_BULK_CALLS)
                                    .put("items", new JsonObject().put("type", "array")))),
                List.of(Roles.JOBS_WRITE, Roles.AUTHENTICATED),
                job -> new Bulk(herald, job).run()))
        .mapEmpty();
  }

  private static Object checksum(JobHandle job, FileRoots roots)
      throws IOException, NoSuchAlgorithmException {
    Path root = roots.check(job.params().getString(0));
    if (!Files.isRegularFile(root) && !Files.isDirectory(root)) {
      // A FIFO or a device would block a worker (and the job) for ever.
      throw new CallError(
          Errno.EINVAL, "'" + job.params().getString(0) + "' is not a regular file or a directory");
    }
    JsonArray params = job.params();
    String algorithm = ALGORITHMS.get(params.size() > 1 ? params.getString(1) : "sha256");
    List<Path> files;
    if (Files.isDirectory(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        // Symbolic links are not followed: a link inside a root may lead anywhere.
        files =
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
      }
    } else {
      files = List.of(root);
    }
    long total = 0;
    for (Path file : files) {
      total += Files.size(file);
    }
    long[] done = {0};
    JsonObject digests = new JsonObject();
    for (Path file : files) {
      String name = Files.isDirectory(root) ? root.relativize(file).toString() : file.toString();
      job.setProgress(percent(done[0], total), "Hashing " + name, null);
      digests.put(name, digest(job, file, MessageDigest.getInstance(algorithm), done, total, name));
    }
    job.setProgress(100, "Done", null);
    return Files.isDirectory(root) ? digests : digests.getString(root.toString());
  }

  private static String digest(
      JobHandle job, Path file, MessageDigest md, long[] done, long total, String name)
      throws IOException {
    byte[] buffer = new byte[CHUNK];
    // NOFOLLOW_LINKS: a file swapped for a link after the walk is not opened through it.
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (job.isAborted()) {
          throw new CallError(Errno.EINTR, "aborted");
        }
        md.update(buffer, 0, n);
        done[0] += n;
        job.setProgress(percent(done[0], total), "Hashing " + name, null);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static double percent(long done, long total) {
    return total == 0 ? 100.0 : done * 100.0 / total;
  }

  /**
   * A {@code core.bulk} job: calls its method once per params list, one after the other. Each next
   * call starts from the job's context rather than from the previous call's completion, so a long
   * list of calls that complete at once does not nest (no stack overflow), and the job's context is
   * not held for the whole list.
   */
  private static final class Bulk {
    private final Herald herald;
    private final JobHandle job;
    private final Context context = Vertx.currentContext();
    private final String method;
    private final JsonArray paramsList;
    private final JsonArray results = new JsonArray();
    private final Promise<Object> done = Promise.promise();

    Bulk(Herald herald, JobHandle job) {
      this.herald = herald;
      this.job = job;
      this.method = job.params().getString(0);
      this.paramsList = job.params().getJsonArray(1);
    }

    Future<Object> run() {
      call(0);
      return done.future();
    }

    /**
     * Whether the call is {@code core.job_wait} of this very job, which would hold its slot for
     * ever (a few of them, on the job ids about to be handed out, stopped every later job).
     */
    private boolean waitsForItself(JsonArray params) {
      return "core.job_wait".equals(method)
          && params.size() > 0
          && params.getValue(0) instanceof Number id
          && id.longValue() == job.id();
    }

    private void call(int i) {
      if (i == paramsList.size() || job.isAborted()) {
        done.complete(results);
        return;
      }
      JsonArray params = paramsList.getJsonArray(i);
      (waitsForItself(params)
              ? Future.failedFuture(new CallError(Errno.EINVAL, "A job cannot wait for itself"))
              : herald.call(method, params, job.caller()))
          .onComplete(
              ar -> {
                results.add(
                    new JsonObject()
                        .put("result", ar.succeeded() ? ar.result() : null)
                        .put(
                            "error",
                            ar.succeeded() ? null : CallError.toErrorDict(ar.cause()).reason()));
                job.setProgress(
                    (i + 1) * 100.0 / paramsList.size(),
                    "Call " + (i + 1) + " of " + paramsList.size(),
                    null);
                context.runOnContext(v -> call(i + 1));
              });
    }
  }
}

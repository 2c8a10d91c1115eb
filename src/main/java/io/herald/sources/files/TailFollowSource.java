package io.herald.sources.files;

import io.herald.CallError;
import io.herald.Errno;
import io.herald.ErrorDict;
import io.herald.EventDescriptor;
import io.herald.EventMessage;
import io.herald.EventSource;
import io.herald.Herald;
import io.herald.Roles;
import io.herald.SourceSink;
import io.herald.files.FileRoots;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code filesystem.file_tail_follow}: the last lines of a file, then what is appended to it,
 * batched at most every {@link #BATCH_MS} ms. Polls the file: when it shrinks (truncation) reading
 * restarts at its beginning; when the path names another file (rotation: a new inode) the new file
 * is followed from its beginning. A path that disappears ends the subscription with ENOENT. Only
 * files inside the configured roots can be followed.
 */
public final class TailFollowSource implements EventSource {

  public static final String NAME = "filesystem.file_tail_follow";
  static final long BATCH_MS = 500;

  /** Most bytes sent in one message; a longer backlog is sent over the following batches. */
  static final int MAX_CHUNK = 256 * 1024;

  /** How far back from the end the initial lines are looked for. */
  static final int MAX_TAIL_BYTES = 1 << 20;

  public static final EventDescriptor DESCRIPTOR =
      EventDescriptor.source(NAME)
          .description(
              """
          Follows a file: first an `added` with `{"data": "<last lines>"}` (3 lines unless told otherwise), then \
          an `added` with the newly appended text, at most every 0.5 s. Argument: `<path>[:<lines>]`, or \
          `{"path": "<path>", "tail_lines": <lines>, "node": "<node id>"}` (the file of the node `node` names; \
          the client's node by default). A truncated file is followed again from its start, a \
          rotated one (a new file at the path) from the new file's start. Only files inside the node's readable \
          roots (`files.roots`) can be followed.""")
          .accepts(
              new JsonObject()
                  .put(
                      "oneOf",
                      new JsonArray()
                          .add(new JsonObject().put("type", "string").put("minLength", 1))
                          .add(
                              new JsonObject()
                                  .put("type", "object")
                                  .put(
                                      "properties",
                                      new JsonObject()
                                          .put(
                                              "path",
                                              new JsonObject()
                                                  .put("type", "string")
                                                  .put("minLength", 1))
                                          .put(
                                              "tail_lines",
                                              new JsonObject()
                                                  .put("type", "integer")
                                                  .put("minimum", 0)
                                                  .put("maximum", 10000))
                                          .put(
                                              "node",
                                              new JsonObject()
                                                  .put("type", "string")
                                                  .put("minLength", 1)))
                                  .put("required", new JsonArray().add("path"))
                                  .put("additionalProperties", false))))
          .roles(Roles.FILESYSTEM_READ)
          .build();

  private final Vertx vertx;
  private final FileRoots roots;
  private final TailArgument argument;
  // Written by the worker that reads the file, read on the event loop after it completes.
  private volatile Path file;
  private volatile Object fileKey;
  private volatile long position;
  private long timer = -1;
  private boolean polling;
  private boolean stopped;

  TailFollowSource(Vertx vertx, FileRoots roots, Object argument) {
    this.vertx = vertx;
    this.roots = roots;
    this.argument = TailArgument.parse(argument);
  }

  /** Registers {@code filesystem.file_tail_follow} for the files inside {@code roots}. */
  public static Future<Void> install(Herald herald, Vertx vertx, FileRoots roots) {
    return herald.registerSource(
        DESCRIPTOR, argument -> new TailFollowSource(vertx, roots, argument));
  }

  @Override
  public Future<Void> start(SourceSink sink) {
    return vertx
        .executeBlocking(
            () -> {
              Path real = roots.check(argument.path());
              if (!Files.isRegularFile(real)) {
                throw new CallError(
                    Errno.EINVAL, "'" + argument.path() + "' is not a regular file");
              }
              file = real;
              fileKey =
                  Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class)
                      .fileKey();
              position = Files.size(real);
              return null;
            },
            false)
        .map(
            v -> {
              timer = vertx.setPeriodic(BATCH_MS, id -> poll(sink));
              return null;
            });
  }

  /** The last lines before the current position: the stream goes on from exactly there. */
  @Override
  public Future<List<EventMessage>> snapshot() {
    long end = position;
    return vertx.executeBlocking(
        () -> List.of(data(lastLines(file, end, argument.tailLines()))), false);
  }

  private void poll(SourceSink sink) {
    if (polling || stopped) {
      return;
    }
    polling = true;
    vertx
        .executeBlocking(this::readAppended, false)
        .onComplete(
            ar -> {
              polling = false;
              if (stopped) {
                return;
              }
              if (ar.failed()) {
                Throwable e = ar.cause();
                sink.fail(
                    e instanceof CallError ce
                        ? ce.error
                        : ErrorDict.of(
                            Errno.EIO,
                            "Reading '" + argument.path() + "' failed: " + e.getMessage()));
              } else if (ar.result() != null) {
                sink.emit(ar.result());
              }
            });
  }

  /** New text since the last read, or null; handles truncation and rotation. Runs on a worker. */
  private EventMessage readAppended() throws IOException {
    Object key;
    long size;
    try {
      key = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      size = Files.size(file);
    } catch (NoSuchFileException gone) {
      throw new CallError(Errno.ENOENT, "File '" + argument.path() + "' no longer exists");
    }
    if (key != null && !key.equals(fileKey)) {
      fileKey = key;
      position = 0;
    } else if (size < position) {
      position = 0;
    }
    if (size == position) {
      return null;
    }
    int length = (int) Math.min(MAX_CHUNK, size - position);
    byte[] bytes = new byte[length];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(position);
      in.readFully(bytes);
    }
    length = Utf8.completePrefix(bytes, length);
    if (length == 0) {
      return null;
    }
    position += length;
    return data(new String(bytes, 0, length, StandardCharsets.UTF_8));
  }

  static String lastLines(Path file, long end, int lines) throws IOException {
    if (lines == 0 || end == 0) {
      return "";
    }
    long start = Math.max(0, end - MAX_TAIL_BYTES);
    byte[] bytes = new byte[(int) (end - start)];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(start);
      in.readFully(bytes);
    }
    int cut = bytes.length;
    // A final newline ends the last line rather than starting an empty one.
    int seen = bytes[bytes.length - 1] == '\n' ? -1 : 0;
    while (cut > 0) {
      if (bytes[cut - 1] == '\n' && ++seen == lines) {
        break;
      }
      cut--;
    }
    int from = Utf8.nextBoundary(bytes, cut);
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }

  private static EventMessage data(String text) {
    return EventMessage.added(null, new JsonObject().put("data", text));
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}

package io.herald.files;

import io.herald.CallError;
import io.herald.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories whose files clients may read. Blocking (touches the file system): call from a
 * worker.
 */
public final class FileRoots {

  private final List<Path> roots;

  public FileRoots(List<Path> roots) {
    this.roots = List.copyOf(roots);
  }

  /**
   * The real path of {@code path} when it exists inside a root (after resolving symbolic links and
   * {@code ..}); a {@link CallError} with ENOENT when it does not exist, EACCES when it is outside
   * every root.
   */
  public Path check(String path) {
    if (path == null || path.isEmpty() || !Path.of(path).isAbsolute()) {
      throw new CallError(Errno.EINVAL, "Path must be absolute: '" + path + "'");
    }
    Path real;
    try {
      real = Path.of(path).toRealPath();
    } catch (NoSuchFileException e) {
      throw new CallError(Errno.ENOENT, "Path '" + path + "' does not exist");
    } catch (IOException e) {
      throw new CallError(Errno.EACCES, "Path '" + path + "' cannot be read: " + e.getMessage());
    }
    for (Path root : realRoots()) {
      if (real.startsWith(root)) {
        return real;
      }
    }
    throw new CallError(Errno.EACCES, "Path '" + path + "' is outside the readable roots " + roots);
  }

  private List<Path> realRoots() {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      try {
        if (Files.exists(root)) {
          real.add(root.toRealPath());
        }
      } catch (IOException ignored) {
        // an unreadable root grants nothing
      }
    }
    return real;
  }

  public List<Path> roots() {
    return roots;
  }
}

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
   * The real path of {@code path} when it is inside a root, after resolving symbolic links and
   * {@code ..}. Errors ({@link CallError}): EINVAL for a relative path, or one the file system
   * cannot name (a NUL, characters its encoding cannot hold); EACCES when the path, as written, is
   * outside every root — decided before the file system is touched, so that the answer tells
   * nothing of what exists elsewhere on the host — or when its real path leads out of them (a
   * symbolic link); ENOENT when a path inside a root does not exist. Messages never list the roots.
   */
  public Path check(String path) {
    Path parsed;
    try {
      parsed = path == null ? null : Path.of(path);
    } catch (java.nio.file.InvalidPathException e) {
      // a NUL, or characters the file system's encoding cannot hold (found by scripts/fuzz)
      throw new CallError(Errno.EINVAL, "Path is not a valid path on this node: '" + path + "'");
    }
    if (parsed == null || path.isEmpty() || !parsed.isAbsolute()) {
      throw new CallError(Errno.EINVAL, "Path must be absolute: '" + path + "'");
    }
    Path requested = parsed.normalize();
    List<Path> realRoots = realRoots();
    if (!inside(requested, roots) && !inside(requested, realRoots)) {
      throw outside(path);
    }
    Path real;
    try {
      real = requested.toRealPath();
    } catch (NoSuchFileException e) {
      throw new CallError(Errno.ENOENT, "Path '" + path + "' does not exist");
    } catch (IOException e) {
      throw new CallError(Errno.EACCES, "Path '" + path + "' cannot be read");
    }
    if (!inside(real, realRoots)) {
      throw outside(path);
    }
    return real;
  }

  private static boolean inside(Path path, List<Path> roots) {
    for (Path root : roots) {
      if (path.startsWith(root.normalize())) {
        return true;
      }
    }
    return false;
  }

  private static CallError outside(String path) {
    return new CallError(Errno.EACCES, "Path '" + path + "' is outside the readable roots");
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

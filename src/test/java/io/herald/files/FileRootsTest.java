package io.herald.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.CallError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readable roots on real files and links. */
class FileRootsTest {

  @TempDir Path dir;

  private String errname(FileRoots roots, String path) {
    return assertThrows(CallError.class, () -> roots.check(path)).error.errno().name();
  }

  @Test
  void aFileInsideARootIsItsRealPath() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path file = Files.writeString(root.resolve("a.log"), "x");
    FileRoots roots = new FileRoots(List.of(root));
    assertEquals(file.toRealPath(), roots.check(root + "/sub/../a.log"));
  }

  /** Regression: ENOENT for a missing path outside the roots told which paths exist on the host. */
  @Test
  void outsideTheRootsIsEaccesWhetherThePathExistsOrNot() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path elsewhere = Files.writeString(dir.resolve("secret"), "s");
    FileRoots roots = new FileRoots(List.of(root));
    assertEquals("EACCES", errname(roots, elsewhere.toString()));
    assertEquals("EACCES", errname(roots, dir.resolve("no-such-file").toString()));
    assertEquals("EACCES", errname(roots, root + "/../secret"));
    assertEquals("ENOENT", errname(roots, root.resolve("no-such-file").toString()));
    CallError e = assertThrows(CallError.class, () -> roots.check(elsewhere.toString()));
    assertFalse(e.error.reason().contains(root.toString()), "the roots are not listed: " + e);
  }

  @Test
  void aLinkInsideARootThatLeadsOutIsRefused() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path secret = Files.writeString(dir.resolve("secret"), "s");
    Path link = Files.createSymbolicLink(root.resolve("link"), secret);
    FileRoots roots = new FileRoots(List.of(root));
    assertEquals("EACCES", errname(roots, link.toString()));
  }

  @Test
  void aRelativePathIsInvalid() {
    assertEquals("EINVAL", errname(new FileRoots(List.of(dir)), "relative/path"));
  }

  @Test
  void aPathTheFileSystemCannotNameIsEinvalNotAnInternalError() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    FileRoots roots = new FileRoots(List.of(root));
    assertEquals("EINVAL", errname(roots, root + "/a\u0000b"));
  }
}

package io.herald.sources.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which mounts are checked, and readings from a fixed /proc. */
class HostMetricsTest {

  @Test
  void checksLocalWritableFilesystemsOncePerDevice() {
    String mounts =
        """
        proc /proc proc rw,relatime 0 0
        sysfs /sys sysfs rw,relatime 0 0
        tmpfs /dev/shm tmpfs rw,relatime 0 0
        overlay / overlay rw,relatime,lowerdir=/a,upperdir=/b 0 0
        /dev/sda1 /var/lib/docker ext4 rw,relatime 0 0
        /dev/sda1 /etc/hosts ext4 rw,relatime 0 0
        /dev/sdb1 /mnt/my\\040disk xfs rw 0 0
        /dev/loop3 /snap/core/1 squashfs ro,nodev 0 0
        /dev/sdc1 /mnt/ro ext4 ro,relatime 0 0
        server:/export /mnt/nfs nfs4 rw 0 0
        lxcfs /proc/cpuinfo fuse.lxcfs rw 0 0
        /dev/sdd1 /mnt/win fuseblk rw 0 0
        tank/data /mnt/tank/data zfs rw,xattr 0 0
        tank/media /mnt/tank/media zfs rw,xattr 0 0
        """;
    assertEquals(
        List.of("/", "/etc/hosts", "/mnt/my disk", "/mnt/win", "/mnt/tank/data", "/mnt/tank/media"),
        HostMetrics.checkedMounts(mounts).stream().map(HostMetrics.Mount::point).toList());
  }

  @Test
  void unescapesOctalEscapes() {
    assertEquals("/a b\tc\\d", HostMetrics.unescape("/a\\040b\\011c\\134d"));
    assertEquals("/plain\\x", HostMetrics.unescape("/plain\\x"));
  }

  @Test
  void readsMemoryAndLoadPerCoreFromProc(@TempDir Path proc) throws IOException {
    Files.writeString(
        proc.resolve("meminfo"), "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n");
    Files.writeString(proc.resolve("loadavg"), "3.00 2.00 1.00 1/100 42\n");
    Files.writeString(proc.resolve("stat"), "cpu 1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 5\n");
    Files.writeString(proc.resolve("mounts"), "proc /proc proc rw 0 0\n");
    HostMetrics metrics = HostMetrics.read(proc);
    assertEquals(new HostMetrics.Memory(1024_000, 256_000, 75.0), metrics.memory());
    assertEquals(HostMetrics.Load.of(3.0, 2), metrics.load());
    assertEquals(1.5, metrics.load().perCore());
    assertEquals(List.of(), metrics.disks());
  }

  @Test
  void readsThisHostsRootFilesystemLikeDf() throws IOException {
    HostMetrics metrics = HostMetrics.read();
    assertTrue(metrics.memory().total() > 0);
    assertTrue(metrics.load().cores() > 0);
    for (HostMetrics.Disk disk : metrics.disks()) {
      assertTrue(disk.total() > 0 && disk.percent() >= 0 && disk.percent() <= 100, disk.toString());
    }
  }

  @Test
  void aHostWithoutProcFailsWithAClearError(@TempDir Path empty) {
    IOException e = assertThrows(IOException.class, () -> HostMetrics.read(empty.resolve("proc")));
    assertTrue(e.getMessage().contains("meminfo"), e.getMessage());
  }
}

package io.herald.sources.alerts;

import io.herald.sources.reporting.HostSample;
import io.herald.sources.reporting.RealtimeReport;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the alert rules look at: memory, space of the local filesystems, load. A part is null when
 * the host does not provide it (its rule is then skipped and its alerts left as they are). {@link
 * #read(Path)} is blocking.
 */
public record HostMetrics(Memory memory, List<Disk> disks, Load load) {

  /** Memory in bytes; {@code percent} = (total - available) / total, to 0.1 %. */
  public record Memory(long total, long available, double percent) {

    public static Memory of(long total, long available) {
      return new Memory(
          total,
          available,
          total <= 0 ? 0.0 : Math.round((total - available) * 1000.0 / total) / 10.0);
    }
  }

  /**
   * One filesystem, in bytes. {@code percent} is df's "Use%" to 0.1 %: used / (used + available),
   * where available is what unprivileged users may still write (space reserved for root counts as
   * neither).
   */
  public record Disk(
      String mount,
      String device,
      String type,
      long total,
      long used,
      long available,
      double percent) {

    public static Disk of(
        String mount, String device, String type, long total, long used, long available) {
      long usable = used + available;
      return new Disk(
          mount,
          device,
          type,
          total,
          used,
          available,
          usable <= 0 ? 0.0 : Math.round(used * 1000.0 / usable) / 10.0);
    }
  }

  /** The 1-minute load average and the number of online cores; {@code perCore} to 0.01. */
  public record Load(double load1, int cores, double perCore) {

    public static Load of(double load1, int cores) {
      return new Load(load1, cores, Math.round(load1 * 100.0 / Math.max(1, cores)) / 100.0);
    }
  }

  /** A line of {@code /proc/mounts}. */
  record Mount(String device, String point, String type, Set<String> options) {}

  /**
   * Filesystem types that are not checked: kernel and RAM-backed pseudo filesystems (their "space"
   * is memory, which the memory rule covers), read-only images that are always full, and network
   * filesystems (a hung server would block the reading thread; their space is the server's
   * concern). Any {@code fuse.*} type (sshfs, lxcfs, gvfs, ...) is skipped too; {@code fuseblk} (a
   * local disk through FUSE, e.g. NTFS) is checked. {@code overlay} is checked: it is a container's
   * root, and its usage is that of the disk behind it.
   */
  static final Set<String> SKIPPED_TYPES =
      Set.of(
          "proc",
          "sysfs",
          "devtmpfs",
          "devpts",
          "tmpfs",
          "ramfs",
          "cgroup",
          "cgroup2",
          "pstore",
          "bpf",
          "securityfs",
          "debugfs",
          "tracefs",
          "configfs",
          "fusectl",
          "mqueue",
          "hugetlbfs",
          "autofs",
          "binfmt_misc",
          "nsfs",
          "rpc_pipefs",
          "nfsd",
          "efivarfs",
          "selinuxfs",
          "devfs",
          "squashfs",
          "iso9660",
          "udf",
          "erofs",
          "nfs",
          "nfs4",
          "cifs",
          "smb3",
          "smbfs",
          "ceph",
          "glusterfs",
          "9p",
          "afs",
          "davfs",
          "lustre");

  /**
   * Reads this host's {@code /proc/meminfo}, {@code /proc/loadavg}, {@code /proc/stat} and mounted
   * filesystems.
   */
  public static HostMetrics read() throws IOException {
    return read(Path.of("/proc"));
  }

  static HostMetrics read(Path proc) throws IOException {
    if (!Files.isReadable(proc.resolve("meminfo"))) {
      throw new IOException(
          "the alert rules need "
              + proc
              + "/meminfo, loadavg, stat and mounts (Linux); this host has no "
              + proc.resolve("meminfo"));
    }
    JsonObject memory =
        RealtimeReport.memory(HostSample.meminfo(Files.readString(proc.resolve("meminfo"))));
    double load1 = HostSample.loadavg(Files.readString(proc.resolve("loadavg")))[0];
    int cores =
        (int)
            HostSample.cpu(Files.readString(proc.resolve("stat"))).keySet().stream()
                .filter(name -> !name.equals("cpu"))
                .count();
    return new HostMetrics(
        new Memory(
            memory.getLong("total"), memory.getLong("available"), memory.getDouble("percent")),
        disks(checkedMounts(Files.readString(proc.resolve("mounts")))),
        Load.of(load1, cores > 0 ? cores : Runtime.getRuntime().availableProcessors()));
  }

  /**
   * The mounts whose space is checked: not of a {@link #SKIPPED_TYPES skipped type}, not read-only
   * (it cannot fill up), and one mount point per device (bind mounts of one filesystem show the
   * same numbers; the shortest mount point is kept).
   */
  static List<Mount> checkedMounts(String procMounts) {
    Map<String, Mount> byDevice = new LinkedHashMap<>();
    for (String line : procMounts.split("\n")) {
      String[] p = line.trim().split("\\s+");
      if (p.length < 4) {
        continue;
      }
      Mount mount =
          new Mount(
              unescape(p[0]), unescape(p[1]), p[2], new HashSet<>(Arrays.asList(p[3].split(","))));
      if (SKIPPED_TYPES.contains(mount.type())
          || mount.type().startsWith("fuse.")
          || mount.options().contains("ro")) {
        continue;
      }
      // Only real devices are shared by bind mounts; "overlay", "zpool/dataset" and the like are
      // keyed by the pair.
      String identity =
          mount.device().startsWith("/") ? mount.device() : mount.device() + " " + mount.point();
      Mount known = byDevice.get(identity);
      if (known == null || mount.point().length() < known.point().length()) {
        byDevice.put(identity, mount);
      }
    }
    return new ArrayList<>(byDevice.values());
  }

  private static List<Disk> disks(List<Mount> mounts) {
    List<Disk> disks = new ArrayList<>();
    for (Mount mount : mounts) {
      try {
        FileStore store = Files.getFileStore(Path.of(mount.point()));
        long total = store.getTotalSpace();
        if (total <= 0) {
          continue;
        }
        disks.add(
            Disk.of(
                mount.point(),
                mount.device(),
                mount.type(),
                total,
                total - store.getUnallocatedSpace(),
                store.getUsableSpace()));
      } catch (IOException | RuntimeException unreadable) {
        // a mount point this process may not look at (or that went away) is left out
      }
    }
    disks.sort((a, b) -> a.mount().compareTo(b.mount()));
    return disks;
  }

  /**
   * {@code /proc/mounts} writes space, tab, newline and backslash as octal escapes ({@code \040}).
   */
  static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\\' && isOctal(bytes, i + 1)) {
        out.write(Integer.parseInt(new String(bytes, i + 1, 3, StandardCharsets.US_ASCII), 8));
        i += 3;
      } else {
        out.write(bytes[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(byte[] bytes, int from) {
    if (from + 3 > bytes.length) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (bytes[i] < '0' || bytes[i] > '7') {
        return false;
      }
    }
    return true;
  }
}

package io.herald.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's TCP sockets as {@code ss -tanH} / {@code ss -tinH} show them: state, ports and byte
 * counters (loopback: both ends of every connection are listed).
 */
final class SocketStats {

  /** One socket end. */
  record End(String state, int localPort, int peerPort, long bytesAcked, long bytesReceived) {}

  private static final Pattern PORT = Pattern.compile(".*:(\\d+)$");
  private static final Pattern ACKED = Pattern.compile("bytes_acked:(\\d+)");
  private static final Pattern RECEIVED = Pattern.compile("bytes_received:(\\d+)");

  private SocketStats() {}

  /** Every TCP socket end of the machine, with its byte counters ({@code ss -tinaH}). */
  static List<End> all() throws Exception {
    return parse(ss("-tinaH"));
  }

  /** The state of the end on {@code localPort} connected to {@code peerPort}, or null if gone. */
  static String state(int localPort, int peerPort) throws Exception {
    for (End e :
        parse(ss("-tanH", "( sport = :" + localPort + " and dport = :" + peerPort + " )"))) {
      return e.state();
    }
    return null;
  }

  private static String ss(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ss"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return text;
  }

  static List<End> parse(String text) {
    List<End> ends = new ArrayList<>();
    String[] socket = null;
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (!Character.isWhitespace(line.charAt(0))) {
        if (socket != null) {
          ends.add(end(socket, ""));
        }
        socket = line.trim().split("\\s+");
      } else if (socket != null) {
        ends.add(end(socket, line));
        socket = null;
      }
    }
    if (socket != null) {
      ends.add(end(socket, ""));
    }
    return ends;
  }

  private static End end(String[] f, String info) {
    List<Integer> ports = new ArrayList<>();
    for (String w : f) {
      Matcher m = PORT.matcher(w);
      if (m.matches() && ports.size() < 2) {
        ports.add(Integer.parseInt(m.group(1)));
      }
    }
    return new End(
        f[0],
        ports.isEmpty() ? -1 : ports.get(0),
        ports.size() < 2 ? -1 : ports.get(1),
        counter(ACKED, info),
        counter(RECEIVED, info));
  }

  private static long counter(Pattern p, String info) {
    Matcher m = p.matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}

package io.herald.history;

import io.herald.StreamPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Where a client is in the stream of one broadcast event: for each publisher run (epoch, a node id)
 * the offset of the last of its publications the client has seen, or that came before the client's
 * subscription. A subscription mixes the publications of several nodes, so its place is a vector,
 * not one {@link StreamPosition}. Immutable.
 *
 * <p>It travels to the client and back as an opaque string ({@link #encode}): {@code 1}, then for
 * each epoch in order {@code .<epoch>:<offset>}, the offset in base 36 and the epoch, a node id (a
 * UUID), as the 22 characters of its 16 bytes in base64url ({@code ~} and the base64url of its
 * UTF-8 text for an epoch that is not a UUID). E.g. a three-node cluster: {@code
 * 1.Aq3...:2s.Fz0...:k.x9Q...:1}, about 26 characters per node. Only {@code [A-Za-z0-9_.:~-]}.
 */
public final class HistoryPosition {

  /** The most epochs a position may name (a guard on what a client sends). */
  public static final int MAX_EPOCHS = 256;

  /** The longest encoded position accepted. */
  public static final int MAX_LENGTH = MAX_EPOCHS * 64;

  public static final HistoryPosition EMPTY = new HistoryPosition(new TreeMap<>());

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final TreeMap<String, Long> offsets;
  private String encoded;

  private HistoryPosition(TreeMap<String, Long> offsets) {
    this.offsets = offsets;
  }

  /** The vector of these positions, the highest offset of each epoch. */
  public static HistoryPosition of(Iterable<StreamPosition> positions) {
    TreeMap<String, Long> map = new TreeMap<>();
    positions.forEach(p -> map.merge(p.epoch(), p.offset(), Math::max));
    return new HistoryPosition(map);
  }

  /** {@code epoch → offset}, offsets at least 0. */
  public static HistoryPosition of(Map<String, Long> offsets) {
    TreeMap<String, Long> map = new TreeMap<>();
    offsets.forEach((epoch, offset) -> map.put(epoch, new StreamPosition(epoch, offset).offset()));
    return new HistoryPosition(map);
  }

  /** The offset of {@code epoch} (0: nothing of that epoch seen). */
  public long offset(String epoch) {
    return offsets.getOrDefault(epoch, 0L);
  }

  public Set<String> epochs() {
    return Collections.unmodifiableSet(offsets.keySet());
  }

  /** One position per epoch, e.g. for {@code CatchUp.open}'s {@code at}. */
  public List<StreamPosition> positions() {
    List<StreamPosition> list = new ArrayList<>(offsets.size());
    offsets.forEach((epoch, offset) -> list.add(new StreamPosition(epoch, offset)));
    return list;
  }

  /** This vector having also seen {@code position} (and what precedes it in its epoch). */
  public HistoryPosition with(StreamPosition position) {
    if (position == null || offset(position.epoch()) >= position.offset()) {
      return this;
    }
    TreeMap<String, Long> map = new TreeMap<>(offsets);
    map.put(position.epoch(), position.offset());
    return new HistoryPosition(map);
  }

  /** The highest offset of each epoch of either vector. */
  public HistoryPosition merge(HistoryPosition other) {
    TreeMap<String, Long> map = new TreeMap<>(offsets);
    other.offsets.forEach((epoch, offset) -> map.merge(epoch, offset, Math::max));
    return new HistoryPosition(map);
  }

  /** The opaque string given to clients (see the class comment). */
  public String encode() {
    if (encoded == null) {
      StringBuilder out = new StringBuilder("1");
      offsets.forEach(
          (epoch, offset) ->
              out.append('.')
                  .append(encodeEpoch(epoch))
                  .append(':')
                  .append(Long.toString(offset, 36)));
      encoded = out.toString();
    }
    return encoded;
  }

  /**
   * The position {@link #encode} wrote.
   *
   * @throws IllegalArgumentException for anything else (a client's invention, another version)
   */
  public static HistoryPosition parse(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_LENGTH || text.charAt(0) != '1') {
      throw invalid(text);
    }
    TreeMap<String, Long> map = new TreeMap<>();
    if (text.length() > 1) {
      if (text.charAt(1) != '.') {
        throw invalid(text);
      }
      for (String part : text.substring(2).split("\\.", -1)) {
        int colon = part.indexOf(':');
        if (colon <= 0 || map.size() >= MAX_EPOCHS) {
          throw invalid(text);
        }
        try {
          String epoch = decodeEpoch(part.substring(0, colon));
          long offset = Long.parseLong(part.substring(colon + 1), 36);
          if (offset < 0 || map.put(epoch, offset) != null) {
            throw invalid(text);
          }
        } catch (IllegalArgumentException e) {
          throw invalid(text);
        }
      }
    }
    return new HistoryPosition(map);
  }

  private static IllegalArgumentException invalid(String text) {
    String shown = text == null || text.length() <= 80 ? text : text.substring(0, 80) + "...";
    return new IllegalArgumentException("invalid history position '" + shown + "'");
  }

  private static String encodeEpoch(String epoch) {
    try {
      UUID uuid = UUID.fromString(epoch);
      if (uuid.toString().equals(epoch)) {
        ByteBuffer bytes = ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return B64.encodeToString(bytes.array());
      }
    } catch (IllegalArgumentException notUuid) {
      // the text form below
    }
    return "~" + B64.encodeToString(epoch.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeEpoch(String code) {
    if (code.startsWith("~")) {
      String epoch = new String(B64D.decode(code.substring(1)), StandardCharsets.UTF_8);
      if (epoch.isEmpty()) {
        throw new IllegalArgumentException("empty epoch");
      }
      return epoch;
    }
    if (code.length() != 22) {
      throw new IllegalArgumentException("not a node id");
    }
    ByteBuffer bytes = ByteBuffer.wrap(B64D.decode(code));
    return new UUID(bytes.getLong(), bytes.getLong()).toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HistoryPosition other && offsets.equals(other.offsets);
  }

  @Override
  public int hashCode() {
    return offsets.hashCode();
  }

  @Override
  public String toString() {
    return offsets.toString();
  }
}

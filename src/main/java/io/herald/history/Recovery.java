package io.herald.history;

import io.herald.StreamPosition;
import java.util.List;

/**
 * What a client missed of one event since its {@link HistoryPosition}, as the history has it.
 *
 * @param missed the publications after the client's position still in the history: in order for
 *     each publisher (epoch), and the publishers' messages interleaved by the time they were
 *     recorded (an approximation of the cluster's order; there is no order between publishers)
 * @param recovered whether {@code missed} is everything the client missed: false when the history
 *     no longer reaches back to the client's position for some publisher (its entries were pushed
 *     out by newer ones or aged out, or the whole history is gone: the cluster was restarted), or a
 *     publication was never recorded. When false, {@code missed} is only what is left
 * @param at the positions this recovery reflects, to join the live stream from (e.g. {@code
 *     CatchUp.open(frames, at.positions(), ...)}): the client's, and every publication read
 */
public record Recovery(List<Recorded> missed, boolean recovered, HistoryPosition at) {

  /**
   * One publication from the history.
   *
   * @param position its epoch and offset, as the live message carried in its header
   * @param frame the client frame, exactly as subscribers received it live
   * @param owner the user it concerns ({@code EventMessage.owner}), or null
   * @param time when it was recorded (ms, the publishing node's clock)
   */
  public record Recorded(StreamPosition position, String frame, String owner, long time) {}
}

package io.herald.node;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * The encoder of the node's log (logback.xml): {@code pattern} lines by default, or one JSON object
 * per line (logback's {@link JsonEncoder}: {@code timestamp}, {@code level}, {@code threadName},
 * {@code loggerName}, {@code formattedMessage}, {@code throwable}) once {@link #use} has been told
 * {@code json} — the {@code log.format} setting, applied by {@link Main} as soon as the settings
 * are read. The few lines logged before that are pattern lines.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

  private static volatile boolean json;

  private final PatternLayoutEncoder pattern = new PatternLayoutEncoder();
  private final JsonEncoder jsonEncoder = new JsonEncoder();

  /** {@code log.format}: {@code json}, or anything else for pattern lines. */
  public static void use(String format) {
    json = "json".equals(format);
  }

  /** The layout of pattern lines (logback's PatternLayout syntax). */
  public void setPattern(String layout) {
    pattern.setPattern(layout);
  }

  @Override
  public void start() {
    pattern.setContext(getContext());
    pattern.start();
    jsonEncoder.setContext(getContext());
    jsonEncoder.setWithSequenceNumber(false);
    jsonEncoder.setWithNanoseconds(false);
    jsonEncoder.setWithContext(false);
    jsonEncoder.setWithMDC(false);
    jsonEncoder.setWithMessage(false);
    jsonEncoder.setWithArguments(false);
    jsonEncoder.setWithFormattedMessage(true);
    jsonEncoder.start();
    super.start();
  }

  @Override
  public void stop() {
    pattern.stop();
    jsonEncoder.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return json ? jsonEncoder.encode(event) : pattern.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}

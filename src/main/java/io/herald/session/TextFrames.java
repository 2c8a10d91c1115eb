package io.herald.session;

import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Websocket text frames over UTF-8 bytes that are already encoded: the one place Herald uses a
 * Vert.x internal.
 *
 * <p>Why it exists: Herald encodes an event's client frame once per node and writes the same {@code
 * byte[]} to every subscribed socket. Vert.x's public API (5.0 to 5.2 at least) has no way to write
 * a text frame from bytes: {@code WebSocketFrame.textFrame(String, boolean)} and {@code
 * WebSocketBase.writeTextMessage(String)} UTF-8 encode the string on every call, i.e. once per
 * socket, into a fresh array; {@code binaryFrame(Buffer, boolean)} sends a binary frame, which
 * clients of this protocol do not accept; and {@code writeFrame} casts its argument to Vert.x's
 * {@code WebSocketFrameImpl}, so a frame of our own is not an option either. That class's public
 * constructor {@code (WebSocketFrameType, byte[], boolean)} wraps the array ({@code
 * Unpooled.wrappedBuffer}, no copy), and the write path hands that buffer to Netty unchanged: one
 * array, shared by every socket, never copied.
 *
 * <p>The class is internal and moved between minors: {@code io.vertx.core.http.impl.ws} in Vert.x
 * 5.0, {@code io.vertx.core.http.impl.websocket} since 5.1. It is looked up by name (the newer
 * place first), so Herald compiles and runs on either, and a Vert.x upgrade stays a version bump.
 *
 * <p>When it breaks (TextFramesTest fails, or the first frame written throws {@link
 * ExceptionInInitializerError}): first look for a public text-frame-from-bytes API in the new
 * Vert.x ({@code WebSocketFrame.textFrame(Buffer, ..)}, {@code writeTextMessage(Buffer)} or
 * similar) and use it here; otherwise find where {@code WebSocketFrameImpl} went (the class {@code
 * WebSocketImplBase.writeFrame} casts to) and add its name to {@link #IMPLEMENTATIONS}. As a last
 * resort, {@code WebSocketFrame.textFrame(new String(utf8, UTF_8), isFinal)} is correct but decodes
 * and re-encodes every frame for every socket.
 */
public final class TextFrames {

  /** Where Vert.x keeps its frame implementation, newest first. */
  static final String[] IMPLEMENTATIONS = {
    "io.vertx.core.http.impl.websocket.WebSocketFrameImpl", // Vert.x 5.1, 5.2
    "io.vertx.core.http.impl.ws.WebSocketFrameImpl", // Vert.x 5.0
  };

  /** The class found on the classpath. */
  private static final Class<?> IMPLEMENTATION = implementationClass();

  /**
   * {@code new WebSocketFrameImpl(WebSocketFrameType, byte[], boolean)}, typed to return a
   * WebSocketFrame.
   */
  private static final MethodHandle NEW_FRAME = constructor(IMPLEMENTATION);

  private TextFrames() {}

  /**
   * A final text frame whose payload is {@code utf8} itself (not a copy): the array must not change
   * afterwards.
   */
  public static WebSocketFrame text(byte[] utf8) {
    return text(utf8, true);
  }

  /**
   * A text frame, final or the first of a fragmented message, whose payload is {@code utf8} itself.
   */
  public static WebSocketFrame text(byte[] utf8, boolean isFinal) {
    try {
      return (WebSocketFrame) NEW_FRAME.invokeExact(WebSocketFrameType.TEXT, utf8, isFinal);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The name of the Vert.x class in use, for the test and for error messages. */
  static String implementation() {
    return IMPLEMENTATION.getName();
  }

  private static Class<?> implementationClass() {
    for (String name : IMPLEMENTATIONS) {
      try {
        return Class.forName(name, false, WebSocketFrame.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        // not in this version of Vert.x: try the next place
      }
    }
    throw new IllegalStateException(
        "none of "
            + String.join(", ", IMPLEMENTATIONS)
            + " is on the classpath: Vert.x moved its WebSocketFrameImpl again, see TextFrames");
  }

  private static MethodHandle constructor(Class<?> impl) {
    if (!WebSocketFrame.class.isAssignableFrom(impl)) {
      throw new IllegalStateException(
          impl.getName() + " is no longer a WebSocketFrame: see TextFrames");
    }
    MethodType shape =
        MethodType.methodType(void.class, WebSocketFrameType.class, byte[].class, boolean.class);
    try {
      MethodHandle constructor = MethodHandles.publicLookup().findConstructor(impl, shape);
      return constructor.asType(shape.changeReturnType(WebSocketFrame.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      throw new IllegalStateException(
          impl.getName()
              + " has no public (WebSocketFrameType, byte[], boolean)"
              + " constructor any more: see TextFrames",
          e);
    }
  }
}

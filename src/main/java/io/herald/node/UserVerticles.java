package io.herald.node;

import io.herald.Herald;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import java.lang.reflect.Constructor;

/** The verticles named in the {@code verticles} setting, built with the node they run on. */
final class UserVerticles {

  private UserVerticles() {}

  /**
   * A new instance of the class {@code name}: through its public {@code (Herald)} constructor when
   * it has one, else its public no-argument constructor. Fails with a message naming the class when
   * neither works.
   */
  static Future<Deployable> instantiate(String name, Herald herald) {
    try {
      Class<?> type = Class.forName(name);
      if (!Deployable.class.isAssignableFrom(type)) {
        return Future.failedFuture(
            new IllegalArgumentException("verticle " + name + " is not a Vert.x verticle"));
      }
      for (Constructor<?> constructor : type.getConstructors()) {
        if (constructor.getParameterCount() == 1
            && constructor.getParameterTypes()[0] == Herald.class) {
          return Future.succeededFuture((Deployable) constructor.newInstance(herald));
        }
      }
      return Future.succeededFuture((Deployable) type.getConstructor().newInstance());
    } catch (ReflectiveOperationException | LinkageError e) {
      return Future.failedFuture(
          new IllegalArgumentException("verticle " + name + " cannot be created: " + e, e));
    }
  }
}

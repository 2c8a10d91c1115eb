package io.herald.config;

import java.util.List;

/**
 * Settings that cannot be used: a value of the wrong type or out of range, an unknown key, a config
 * file that is missing or unreadable. The message is one line meant for the operator, naming each
 * faulty key, where its value came from and what was expected; problems are separated by {@code ";
 * "}.
 */
public final class SettingsException extends IllegalArgumentException {

  public SettingsException(String message) {
    super(message);
  }

  static SettingsException of(List<String> problems) {
    return new SettingsException(String.join("; ", problems));
  }
}

package io.herald.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server side of one SCRAM-SHA-512 exchange (RFC 5802 §5, without channel binding), in the
 * original's form: the client names the user as {@code <username>:<api key id>} (key id 0 or none:
 * the user's password), and each message travels as its RFC text in {@code auth.login_ex}'s {@code
 * rfc_str}.
 *
 * <pre>
 * client-first  n,,n=alice:7,r=&lt;client nonce&gt;          → {@link #first}
 * server-first  r=&lt;client+server nonce&gt;,s=&lt;salt&gt;,i=&lt;iterations&gt;
 * client-final  c=biws,r=&lt;nonce&gt;,p=&lt;proof&gt;               → {@link #finish}
 * server-final  v=&lt;server signature&gt;
 * </pre>
 *
 * Not thread-safe: one exchange per connection, confined to its event loop.
 */
public final class ScramExchange {

  /** A client message that does not follow the RFC, or an exchange out of order. */
  public static final class Invalid extends Exception {
    public Invalid(String message) {
      super(message);
    }
  }

  /** Who the client-first message names. */
  public record Principal(String username, long apiKeyId) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String gs2Header;
  private final String clientFirstBare;
  private final String clientNonce;
  private final Principal principal;
  private String serverFirst;
  private Credential credential;

  private ScramExchange(
      String gs2Header, String clientFirstBare, String clientNonce, Principal principal) {
    this.gs2Header = gs2Header;
    this.clientFirstBare = clientFirstBare;
    this.clientNonce = clientNonce;
    this.principal = principal;
  }

  /** Reads a client-first message. */
  public static ScramExchange parse(String clientFirst) throws Invalid {
    if (clientFirst == null) {
      throw new Invalid("rfc_str is required");
    }
    if (clientFirst.startsWith("p=")) {
      throw new Invalid("channel binding (SCRAM-SHA-512-PLUS) is not supported");
    }
    if (!clientFirst.startsWith("n,") && !clientFirst.startsWith("y,")) {
      throw new Invalid("client-first message must start with the GS2 header 'n,' or 'y,'");
    }
    int second = clientFirst.indexOf(',', 2);
    if (second < 0) {
      throw new Invalid("client-first message has no bare part");
    }
    String authzid = clientFirst.substring(2, second);
    if (!authzid.isEmpty()) {
      throw new Invalid("an authorization identity (a=) is not supported");
    }
    String gs2 = clientFirst.substring(0, second + 1);
    String bare = clientFirst.substring(second + 1);
    Map<Character, String> attrs = attributes(bare);
    String name = unescape(attrs.get('n'));
    String nonce = attrs.get('r');
    if (name == null || name.isEmpty() || nonce == null || nonce.isEmpty()) {
      throw new Invalid("client-first message needs n= and r=");
    }
    long keyId = 0;
    int colon = name.lastIndexOf(':');
    if (colon >= 0) {
      try {
        keyId = Long.parseLong(name.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new Invalid("the API key id after ':' in n= is not a number");
      }
      name = name.substring(0, colon);
    }
    return new ScramExchange(gs2, bare, nonce, new Principal(name, keyId));
  }

  public Principal principal() {
    return principal;
  }

  /**
   * The server-first message for {@code credential} (the named key's or password's material; for an
   * unknown principal, a decoy that no proof will match, so that the answer does not tell).
   */
  public String first(Credential credential) {
    this.credential = credential;
    serverFirst =
        "r="
            + combinedNonce(clientNonce)
            + ",s="
            + Base64.getEncoder().encodeToString(credential.salt())
            + ",i="
            + credential.iterations();
    return serverFirst;
  }

  /**
   * Checks the client-final message's proof; the server-final message ({@code v=...}) when it
   * holds, null when it does not.
   */
  public String finish(String clientFinal) throws Invalid {
    if (serverFirst == null) {
      throw new Invalid("client-final message before the client-first message");
    }
    if (clientFinal == null) {
      throw new Invalid("rfc_str is required");
    }
    int proofAt = clientFinal.lastIndexOf(",p=");
    if (proofAt < 0) {
      throw new Invalid("client-final message has no proof (p=)");
    }
    String withoutProof = clientFinal.substring(0, proofAt);
    Map<Character, String> attrs = attributes(withoutProof);
    String binding = attrs.get('c');
    String expectedBinding =
        Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
    if (!expectedBinding.equals(binding)) {
      throw new Invalid("client-final c= does not match the GS2 header of the client-first");
    }
    String nonce = attrs.get('r');
    if (nonce == null || !serverFirst.startsWith("r=" + nonce + ",")) {
      throw new Invalid("client-final r= is not the nonce of the server-first message");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(clientFinal.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw new Invalid("client-final p= is not base64");
    }
    byte[] authMessage =
        (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] signature = Credential.hmac(credential.storedKey(), authMessage);
    if (proof.length != signature.length) {
      return null;
    }
    byte[] clientKey = new byte[proof.length];
    for (int i = 0; i < proof.length; i++) {
      clientKey[i] = (byte) (proof[i] ^ signature[i]);
    }
    if (!MessageDigest.isEqual(Credential.sha512(clientKey), credential.storedKey())) {
      return null;
    }
    return "v="
        + Base64.getEncoder().encodeToString(Credential.hmac(credential.serverKey(), authMessage));
  }

  /**
   * The client's nonce followed by 32 random bytes of the server's. The original's clients send
   * their nonce as the base64 of random bytes and read the combined nonce as the base64 of both
   * byte strings together ({@code base64(client bytes + server bytes)}); a client nonce that is
   * canonical base64 is combined that way. Any other nonce (RFC 5802 allows any printable text) is
   * followed by the base64 of the server's bytes, as the RFC's clients expect. The two agree
   * whenever the client's bytes are a multiple of 3 long (no padding).
   */
  static String combinedNonce(String clientNonce) {
    byte[] server = new byte[32];
    RANDOM.nextBytes(server);
    Base64.Encoder b64 = Base64.getEncoder();
    byte[] client = canonicalBase64(clientNonce);
    if (client == null) {
      return clientNonce + b64.encodeToString(server);
    }
    byte[] both = new byte[client.length + server.length];
    System.arraycopy(client, 0, both, 0, client.length);
    System.arraycopy(server, 0, both, client.length, server.length);
    return b64.encodeToString(both);
  }

  /** The bytes {@code text} is the standard base64 of, or null when it is not exactly that. */
  private static byte[] canonicalBase64(String text) {
    try {
      byte[] bytes = Base64.getDecoder().decode(text);
      return bytes.length > 0 && Base64.getEncoder().encodeToString(bytes).equals(text)
          ? bytes
          : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** {@code a=b,c=d} → {a: b, c: d}; a repeated or malformed attribute is an error. */
  private static Map<Character, String> attributes(String text) throws Invalid {
    Map<Character, String> out = new LinkedHashMap<>();
    for (String part : text.split(",", -1)) {
      if (part.length() < 2 || part.charAt(1) != '=') {
        throw new Invalid("malformed SCRAM attribute '" + clip(part) + "'");
      }
      if (out.put(part.charAt(0), part.substring(2)) != null) {
        throw new Invalid("repeated SCRAM attribute '" + part.charAt(0) + "'");
      }
    }
    return out;
  }

  /** RFC 5802 saslname: {@code =2C} is ',', {@code =3D} is '='; any other '=' is an error. */
  private static String unescape(String name) throws Invalid {
    if (name == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '=') {
        out.append(c);
      } else if (name.startsWith("=2C", i)) {
        out.append(',');
        i += 2;
      } else if (name.startsWith("=3D", i)) {
        out.append('=');
        i += 2;
      } else {
        throw new Invalid("malformed saslname in n=");
      }
    }
    return out.toString();
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}

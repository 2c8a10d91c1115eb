package io.herald.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The server side of SCRAM-SHA-512 against a client written here from RFC 5802 (the crypto from the
 * JDK, not from {@link Credential}), in the original's client's form: a nonce that is the base64 of
 * 32 random bytes, extended as bytes.
 */
class ScramExchangeTest {

  private static final String SECRET = "k3y-material";
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA512");
    mac.init(new SecretKeySpec(key, "HmacSHA512"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  /** The client's final message and the server signature it expects, for {@code serverFirst}. */
  private static String[] clientFinal(String bare, String serverFirst, String secret)
      throws Exception {
    String[] parts = serverFirst.split(",");
    byte[] salt = Base64.getDecoder().decode(parts[1].substring(2));
    int iterations = Integer.parseInt(parts[2].substring(2));
    byte[] salted =
        SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
            .generateSecret(new PBEKeySpec(secret.toCharArray(), salt, iterations, 512))
            .getEncoded();
    byte[] clientKey = hmac(salted, "Client Key");
    byte[] storedKey = MessageDigest.getInstance("SHA-512").digest(clientKey);
    String withoutProof = "c=biws," + parts[0];
    String authMessage = bare + "," + serverFirst + "," + withoutProof;
    byte[] signature = hmac(storedKey, authMessage);
    byte[] proof = new byte[clientKey.length];
    for (int i = 0; i < proof.length; i++) {
      proof[i] = (byte) (clientKey[i] ^ signature[i]);
    }
    String expected = "v=" + B64.encodeToString(hmac(hmac(salted, "Server Key"), authMessage));
    return new String[] {withoutProof + ",p=" + B64.encodeToString(proof), expected};
  }

  @Test
  void theOriginalsByteNonceIsExtendedAsBytesAndTheProofChecks() throws Exception {
    byte[] mine = new byte[32];
    new SecureRandom().nextBytes(mine);
    String nonce = B64.encodeToString(mine);
    String bare = "n=alice:7,r=" + nonce;
    ScramExchange exchange = ScramExchange.parse("n,," + bare);
    assertEquals(new ScramExchange.Principal("alice", 7), exchange.principal());
    Credential credential = Credential.derive(SECRET, 4096).credential();
    String serverFirst = exchange.first(credential);
    byte[] combined = Base64.getDecoder().decode(serverFirst.split(",")[0].substring(2));
    assertEquals(64, combined.length);
    assertArrayEquals(mine, Arrays.copyOf(combined, 32), "the client's bytes come first");
    String[] fin = clientFinal(bare, serverFirst, SECRET);
    assertEquals(fin[1], exchange.finish(fin[0]), "the server signature the client expects");
  }

  @Test
  void anRfcNonceIsExtendedAsText() throws Exception {
    String nonce = "fyko+d2lbbFgONRv9qkxdawL";
    String bare = "n=bob,r=" + nonce;
    ScramExchange exchange = ScramExchange.parse("n,," + bare);
    assertEquals(new ScramExchange.Principal("bob", 0), exchange.principal());
    Credential credential = Credential.derive(SECRET, 4096).credential();
    String serverFirst = exchange.first(credential);
    assertTrue(serverFirst.startsWith("r=" + nonce), serverFirst);
    String[] fin = clientFinal(bare, serverFirst, SECRET);
    assertNotNull(exchange.finish(fin[0]));
  }

  @Test
  void aWrongSecretFailsAndMalformedMessagesAreRefused() throws Exception {
    String bare = "n=alice:7,r=abc";
    ScramExchange exchange = ScramExchange.parse("n,," + bare);
    String serverFirst = exchange.first(Credential.derive(SECRET, 4096).credential());
    assertNull(exchange.finish(clientFinal(bare, serverFirst, "not-it")[0]));

    assertThrows(ScramExchange.Invalid.class, () -> ScramExchange.parse("p=tls-unique,,n=a,r=x"));
    assertThrows(ScramExchange.Invalid.class, () -> ScramExchange.parse("n,a=admin,n=a,r=x"));
    assertThrows(ScramExchange.Invalid.class, () -> ScramExchange.parse("n,,n=a"));
    assertThrows(ScramExchange.Invalid.class, () -> ScramExchange.parse("n,,n=a:x,r=y"));
    ScramExchange unanswered = ScramExchange.parse("n,,n=a,r=y");
    assertThrows(ScramExchange.Invalid.class, () -> unanswered.finish("c=biws,r=y,p=AAAA"));
    ScramExchange other = ScramExchange.parse("n,,n=a,r=y");
    other.first(Credential.derive(SECRET, 4096).credential());
    assertThrows(ScramExchange.Invalid.class, () -> other.finish("c=biws,r=someone-else,p=AAAA"));
    assertThrows(ScramExchange.Invalid.class, () -> other.finish("c=eSws,r=y,p=AAAA"));
  }
}

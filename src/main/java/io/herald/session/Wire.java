package io.herald.session;

import io.herald.ErrorDict;
import io.herald.protocol.JsonRpc;
import io.herald.protocol.ServerMessages;
import io.vertx.core.json.JsonObject;

/**
 * How a connection's dialect sends what its subscriptions produce after their first answer: event
 * frames (as published on the legacy wire, inside {@code collection_update} on JSON-RPC) and the
 * server's end of a live subscription ({@code nosub}, {@code notify_unsubscribed}). The first
 * answer itself — ready or refused — is the subscription's {@link Subscription.Answer}.
 */
interface Wire {

  /** The message when the server ends a live subscription ({@code error} null: it finished). */
  JsonObject ended(Subscription sub, ErrorDict error);

  /** An event frame, as encoded once by its producer, as this dialect sends it. */
  byte[] event(byte[] frame);

  Wire LEGACY =
      new Wire() {
        @Override
        public JsonObject ended(Subscription sub, ErrorDict error) {
          return ServerMessages.nosub(sub.id, sub.collection, error);
        }

        @Override
        public byte[] event(byte[] frame) {
          return frame;
        }
      };

  Wire JSON_RPC =
      new Wire() {
        /**
         * Per event loop, the last frame wrapped and its wrapping: a hub fans one frame (the same
         * array) out to every subscriber of its loop in turn, so it is wrapped once per loop, not
         * once per socket. Frames are never modified once made.
         */
        private final ThreadLocal<byte[][]> last = ThreadLocal.withInitial(() -> new byte[2][]);

        @Override
        public JsonObject ended(Subscription sub, ErrorDict error) {
          return JsonRpc.notifyUnsubscribed(sub.collection, error);
        }

        @Override
        public byte[] event(byte[] frame) {
          byte[][] cache = last.get();
          if (cache[0] != frame) {
            cache[1] = JsonRpc.collectionUpdate(frame);
            cache[0] = frame;
          }
          return cache[1];
        }
      };
}

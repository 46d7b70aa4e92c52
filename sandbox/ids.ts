// Identifiers: request ids (`req_<24 hex>`), object ids and webhook secrets. Random bytes are
// drawn from a pool refilled in bulk, because one `randomBytes` call per id would be the
// most expensive thing on the send path.
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** The offset of `count` fresh random bytes in `pool`. */
function take(count: number): number {
  if (poolOffset + count > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += count;
  return offset;
}

/** `req_` followed by 24 lowercase hex digits (section 2). */
export function newRequestId(): string {
  const offset = take(12);
  return "req_" + pool.toString("hex", offset, offset + 12);
}

const BASE62 = Uint8Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", (c) =>
  c.charCodeAt(0),
);
const scratch = Buffer.allocUnsafe(64);

/** `length` (at most 64) characters of [A-Za-z0-9]; rejection sampling keeps them equally likely. */
export function randomBase62(length: number): string {
  let filled = 0;
  while (filled < length) {
    const offset = take(length);
    for (let i = 0; i < length && filled < length; i++) {
      const sixBits = pool[offset + i]! & 63;
      if (sixBits < 62) scratch[filled++] = BASE62[sixBits]!;
    }
  }
  return scratch.toString("latin1", 0, length);
}

export const newMessageId = (): string => "msg_" + randomBase62(16);
export const newWebhookEndpointId = (): string => "we_" + randomBase62(12);
export const newEventId = (): string => "evt_" + randomBase62(12);
export const newDeliveryId = (): string => "whd_" + randomBase62(12);
/** `whsec_` followed by 32 characters of [A-Za-z0-9] (section 8). */
export const newWebhookSecret = (): string => "whsec_" + randomBase62(32);

// Soak: the webhook verifier against 10,000 mutated headers and bodies, deterministic from a seed
// (SOAK_SEED overrides it; a failure prints the seed and the case). Whatever the input, verify()
// either returns the event of an untouched input or throws SignatureVerificationError — never
// another error, and never an event for an input that was changed.
//
// Every mutation below changes what a correct verifier must check (the body's bytes, the t=
// value, the v1= values, or the secret). Mutations that keep the meaning of the header (spaces
// around elements, an extra copy of a correct v1=, reordering) are left out on purpose: the
// contract allows them. A mutation that leaves the bytes identical is skipped, not counted.
import { describe, expect, it } from "vitest";
import { SignatureVerificationError, WebhookVerifier, signWebhook } from "../../src/index.ts";

const CASES = 10_000;
const SEED = Number(process.env.SOAK_SEED ?? 20261122);
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T = 1763805600;
const NOW = new Date(T * 1000);
// Non-ASCII on purpose, so that re-encodings change bytes.
const BODY = JSON.stringify({
  id: "evt_7Yt2QpLm9XwZ",
  type: "message.delivered",
  created_at: "2026-11-22T10:00:00.000Z",
  payload: {
    message: {
      object: "message",
      id: "msg_9aZk2Lm4Qp8Rt1Vw",
      status: "delivered",
      to: "zoë@example.com",
      metadata: { city: "東京", mood: "🎉" },
    },
  },
});
const BODY_BYTES = Buffer.from(BODY, "utf8");
const SIGNATURE = signWebhook(SECRET, BODY, { timestamp: T }).split("v1=")[1]!;
const HEADER = `t=${T},v1=${SIGNATURE}`;
const REASONS = new Set([
  "missing_header",
  "malformed_header",
  "timestamp_out_of_tolerance",
  "no_matching_signature",
  "body_not_json",
  "body_not_raw",
]);

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rng {
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

function rngFrom(seed: number): Rng {
  const next = prng(seed);
  return {
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** What verify() receives; `unknown` because some mutations hand it the wrong types. */
interface Case {
  kind: string;
  body: unknown;
  header: unknown;
}

type Mutator = (rng: Rng) => Case;

const hex = (n: number, rng: Rng) => Array.from({ length: n }, () => "0123456789abcdef"[rng.int(16)]).join("");

function flipBytes(bytes: Uint8Array, rng: Rng, count: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < count && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 + rng.int(255);
  return out;
}

function flipChars(text: string, rng: Rng, count: number): string {
  const chars = [...text];
  for (let i = 0; i < count && chars.length > 0; i++) {
    const at = rng.int(chars.length);
    chars[at] = String.fromCharCode(chars[at]!.charCodeAt(0) ^ (1 + rng.int(127)));
  }
  return chars.join("");
}

/** A correctly formed header over `body` with another timestamp or secret. */
const signedWith = (secret: string, body: string | Uint8Array, timestamp = T) =>
  signWebhook(secret, body, { timestamp });

const BODY_MUTATIONS: Mutator[] = [
  (rng) => ({ kind: "body: flipped bytes", body: flipBytes(BODY_BYTES, rng, 1 + rng.int(3)), header: HEADER }),
  (rng) => ({ kind: "body: flipped characters (string)", body: flipChars(BODY, rng, 1 + rng.int(3)), header: HEADER }),
  (rng) => ({ kind: "body: truncated", body: BODY_BYTES.subarray(0, rng.int(BODY_BYTES.length)), header: HEADER }),
  (rng) => ({ kind: "body: front cut", body: BODY_BYTES.subarray(1 + rng.int(BODY_BYTES.length - 1)), header: HEADER }),
  (rng) => ({
    kind: "body: whitespace added",
    body: rng.pick([`${BODY}\n`, ` ${BODY}`, `${BODY}\r\n`, BODY.replace(":", ": ")]),
    header: HEADER,
  }),
  (rng) => {
    // A duplicated JSON field: the last one wins in JSON.parse, so this is the classic smuggling shape.
    const field = rng.pick([
      '"type":"message.failed"',
      '"id":"evt_other"',
      '"payload":{}',
      '"type":"message.delivered"',
    ]);
    return { kind: "body: duplicated field", body: `${BODY.slice(0, -1)},${field}}`, header: HEADER };
  },
  (rng) => ({
    kind: "body: huge value",
    body: BODY.replace('"zoë@example.com"', `"${"x".repeat(1_000 + rng.int(200_000))}"`),
    header: HEADER,
  }),
  (rng) => {
    const encodings = [
      () => Buffer.from(BODY, "utf16le"),
      () => Buffer.from(BODY, "latin1"),
      () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY_BYTES]), // a UTF-8 BOM
      () => Buffer.from(BODY, "utf8").toString("base64"),
      () => encodeURIComponent(BODY),
      () => BODY.normalize("NFD"), // "ë" as e + combining diaeresis
      () => BODY.replace("🎉", "\ud83c"), // a lone surrogate
      () => BODY.replace(/[^\x00-\x7f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`), // JSON-escaped
    ];
    return { kind: "body: wrong encoding", body: rng.pick(encodings)(), header: HEADER };
  },
  (rng) => ({
    kind: "body: re-serialized",
    body: JSON.stringify(JSON.parse(BODY), null, rng.pick([1, 2, "\t"])),
    header: HEADER,
  }),
  (rng) => ({
    kind: "body: not raw",
    body: rng.pick<unknown>([
      JSON.parse(BODY),
      null,
      undefined,
      42,
      BODY_BYTES.buffer.slice(0),
      new DataView(BODY_BYTES.buffer.slice(0)),
      [BODY],
    ]),
    header: HEADER,
  }),
];

const HEADER_MUTATIONS: Mutator[] = [
  (rng) => ({ kind: "header: flipped characters", body: BODY, header: flipChars(HEADER, rng, 1 + rng.int(3)) }),
  (rng) => ({
    kind: "header: flipped signature hex digit",
    body: BODY,
    header: HEADER.replace(/v1=(.*)$/, (_m, sig: string) => {
      const at = rng.int(sig.length);
      const other = "0123456789abcdef".replace(sig[at]!, "");
      return `v1=${sig.slice(0, at)}${other[rng.int(other.length)]}${sig.slice(at + 1)}`;
    }),
  }),
  (rng) => ({ kind: "header: truncated", body: BODY, header: HEADER.slice(0, rng.int(HEADER.length)) }),
  (rng) => ({ kind: "header: front cut", body: BODY, header: HEADER.slice(1 + rng.int(HEADER.length - 1)) }),
  (rng) => {
    const duplicates = [
      `t=${T},t=${T + 1 + rng.int(100)},v1=${SIGNATURE}`, // which t was signed?
      `t=${T - 1 - rng.int(100)},t=${T},v1=${SIGNATURE}`,
      `t=${T},v1=${hex(64, rng)},v1=${hex(64, rng)}`, // several v1, none right
      `${HEADER},${HEADER}`, // the whole header twice, as Node joins a repeated header
      `${HEADER}, ${HEADER}`,
    ];
    return { kind: "header: duplicated fields", body: BODY, header: rng.pick(duplicates) };
  },
  (rng) => {
    const huge = [
      `t=${"9".repeat(13 + rng.int(100_000))},v1=${SIGNATURE}`,
      `t=${T},v1=${SIGNATURE}${hex(1 + rng.int(100_000), rng)}`,
      `t=${T},v1=${hex(64 * (2 + rng.int(1000)), rng)}`,
      `t=${T},${`v1=${hex(64, rng)},`.repeat(1 + rng.int(2_000))}x=y`,
      `${",".repeat(1 + rng.int(100_000))}`,
      `t=${T},v1=${"=".repeat(1 + rng.int(100_000))}`,
    ];
    return { kind: "header: huge value", body: BODY, header: rng.pick(huge) };
  },
  (rng) => {
    const wrong = [
      `t=${T},v1=${SIGNATURE.toUpperCase()}`,
      `t=${T},v1=${Buffer.from(SIGNATURE, "hex").toString("base64")}`,
      `t=${T},v1=${Buffer.from(SIGNATURE, "hex").toString("base64url")}`,
      `t=${T},v1=${Buffer.from(SIGNATURE, "hex").toString("latin1")}`,
      `t=${T},v1=${SIGNATURE.slice(0, 63)}\u0430`, // Cyrillic "а" for the last "a"-like digit
      `t=${T}.0,v1=${SIGNATURE}`,
      `t=${T.toString(16)},v1=${SIGNATURE}`,
      `t=${(T * 1000).toString()},v1=${SIGNATURE}`,
      `t=-${T},v1=${SIGNATURE}`,
      `t=1.7638056e9,v1=${SIGNATURE}`,
      `t=${T},v1:${SIGNATURE}`,
      `t:${T};v1:${SIGNATURE}`,
      `t=${T};v1=${SIGNATURE}`,
      encodeURIComponent(HEADER),
      `T=${T},V1=${SIGNATURE}`,
      `t=${T},v0=${SIGNATURE}`,
      `t=${T},v2=${SIGNATURE}`,
      `v1=${SIGNATURE}`,
      `t=${T}`,
      `Bearer ${SIGNATURE}`,
      SIGNATURE,
      "",
      "   ",
    ];
    return { kind: "header: wrong encoding", body: BODY, header: rng.pick(wrong) };
  },
  // A list is how Node gives a repeated header, and verify() reads one ([HEADER] is the header
  // itself); the same header twice has two t= elements and is malformed.
  (rng) => ({
    kind: "header: not a string",
    body: BODY,
    header: rng.pick<unknown>([
      undefined,
      null,
      1763805600,
      [HEADER, HEADER],
      { t: T, v1: SIGNATURE },
      Buffer.from(HEADER),
    ]),
  }),
];

const SIGNING_MUTATIONS: Mutator[] = [
  (rng) => {
    // Correctly formed, but with a key a confused sender might use.
    const secrets = [
      SECRET.slice("whsec_".length), // the secret without its prefix
      SECRET.toLowerCase(),
      `${SECRET} `,
      SECRET.slice(0, -1),
      "sk_test_abcdefghijklmnop1234",
      `whsec_${hex(32, rng)}`,
    ];
    return { kind: "signed: wrong secret", body: BODY, header: signedWith(rng.pick(secrets), BODY) };
  },
  (rng) => {
    const offset = (301 + rng.int(1_000_000)) * rng.pick([1, -1]);
    return { kind: "signed: timestamp outside tolerance", body: BODY, header: signedWith(SECRET, BODY, T + offset) };
  },
  (rng) => {
    // Signed over another body than the one delivered.
    const other = flipBytes(BODY_BYTES, rng, 1);
    return { kind: "signed: another body", body: BODY, header: signedWith(SECRET, other) };
  },
  (rng) => ({
    kind: "signed: header of one timestamp, t of another",
    body: BODY,
    header: `t=${T + 1 + rng.int(299)},v1=${SIGNATURE}`,
  }),
];

const MUTATORS = [...BODY_MUTATIONS, ...BODY_MUTATIONS, ...HEADER_MUTATIONS, ...HEADER_MUTATIONS, ...SIGNING_MUTATIONS];

/** The bytes the verifier would hash, or undefined for a body that is not raw. */
function bytesOf(body: unknown): Buffer | undefined {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

function isUnchanged(c: Case): boolean {
  const bytes = bytesOf(c.body);
  return bytes !== undefined && bytes.equals(BODY_BYTES) && c.header === HEADER;
}

describe("soak: webhook verifier under 10,000 mutated inputs", () => {
  const verifier = new WebhookVerifier({ secret: SECRET });

  it("accepts the untouched input, as a string and as bytes", () => {
    expect(verifier.verify(BODY, HEADER, NOW).id).toBe("evt_7Yt2QpLm9XwZ");
    expect(verifier.verify(BODY_BYTES, HEADER, NOW).id).toBe("evt_7Yt2QpLm9XwZ");
    expect(verifier.verify(new Uint8Array(BODY_BYTES), HEADER, NOW).id).toBe("evt_7Yt2QpLm9XwZ");
  });

  it(`rejects every mutation with SignatureVerificationError only (seed ${SEED})`, () => {
    const rng = rngFrom(SEED);
    const accepted: string[] = [];
    const wrongErrors: string[] = [];
    const byKind = new Map<string, number>();
    const byReason = new Map<string, number>();
    let tried = 0;
    let skipped = 0;
    while (tried < CASES) {
      const mutation = MUTATORS[rng.int(MUTATORS.length)]!(rng);
      if (isUnchanged(mutation)) {
        skipped++;
        continue;
      }
      tried++;
      byKind.set(mutation.kind, (byKind.get(mutation.kind) ?? 0) + 1);
      const shown = () =>
        `#${tried} ${mutation.kind}: header ${JSON.stringify(String(mutation.header).slice(0, 160))}, body ${JSON.stringify(String(bytesOf(mutation.body)?.toString("latin1") ?? mutation.body).slice(0, 160))}`;
      try {
        verifier.verify(mutation.body as never, mutation.header as never, NOW);
        accepted.push(shown());
      } catch (error) {
        if (error instanceof SignatureVerificationError && REASONS.has(error.reason)) {
          byReason.set(error.reason, (byReason.get(error.reason) ?? 0) + 1);
        } else {
          wrongErrors.push(
            `${shown()} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          );
        }
      }
    }
    console.log(
      `webhook fuzz (seed ${SEED}): ${tried} mutations, ${skipped} byte-identical skipped; ` +
        `by kind ${JSON.stringify(Object.fromEntries(byKind))}; rejected with ${JSON.stringify(Object.fromEntries(byReason))}`,
    );
    expect(wrongErrors.slice(0, 10), `${wrongErrors.length} mutations threw something else`).toEqual([]);
    expect(accepted.slice(0, 10), `${accepted.length} mutated inputs were accepted`).toEqual([]);
    // Every mutation family was exercised.
    expect(byKind.size).toBe(
      new Set([...BODY_MUTATIONS, ...HEADER_MUTATIONS, ...SIGNING_MUTATIONS].map((m) => m(rngFrom(1)).kind)).size,
    );
  });
});

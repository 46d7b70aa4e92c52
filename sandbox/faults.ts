// Fault injection, for testing clients' retry logic. The n-th request (arrival order, counting
// from 0) is faulty when a hash of (seed, n) falls under `rate`, and a second hash picks its kind,
// so a seed replays the same sequence of faults. Tests can also force the next requests' faults.

export const FAULT_KINDS = [
  /** 500 internal_error, without touching the request. */
  "500",
  /** 502 with an HTML body, like a proxy's error page. */
  "502_html",
  /** 503 unavailable. */
  "503",
  /** 429 rate_limited with Retry-After. */
  "429",
  /** The connection is destroyed before the request is processed. */
  "reset_before",
  /** The request is fully processed and committed, then the connection is destroyed unanswered. */
  "reset_after_commit",
  /** The request is processed, and answered `lateMs` later. */
  "late",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Kinds only `failNext` forces (never drawn by the seeded sequence, so not in FAULT_KINDS).
 * `500_in_handler`: the request gets as far as its handler (authenticated, routed, its
 * Idempotency-Key claimed, its body parsed), which then fails with `500 internal_error` before
 * changing anything; like every 5xx, the answer is not stored under the key.
 */
const FORCED_FAULT_KINDS = ["500_in_handler"] as const;
export type ForcedFaultKind = FaultKind | (typeof FORCED_FAULT_KINDS)[number];

export interface FaultOptions {
  /** Fraction of requests that fail, 0 to 1. */
  rate: number;
  /** Same seed, same faults for the same request order. Default 1. */
  seed?: number | string;
  /** The kinds to choose from, uniformly; default all of them. */
  kinds?: readonly FaultKind[];
  /** Delay of a `late` answer; default 1500 ms. */
  lateMs?: number;
}

const DEFAULT_LATE_MS = 1500;

export function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

export class FaultInjector {
  #rate = 0;
  #seed = 1;
  #kinds: readonly FaultKind[] = FAULT_KINDS;
  #lateMs = DEFAULT_LATE_MS;
  #requestNumber = 0;
  readonly #forced: ForcedFaultKind[] = [];

  constructor(options: FaultOptions | undefined) {
    this.configure(options);
  }

  /** Replaces the configuration; the request numbering starts again from 0. */
  configure(options: FaultOptions | undefined): void {
    const rate = options?.rate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError("faults.rate must be between 0 and 1");
    const kinds = options?.kinds ?? FAULT_KINDS;
    for (const kind of kinds)
      if (!isFaultKind(kind)) throw new RangeError(`unknown fault kind ${JSON.stringify(kind)}`);
    if (kinds.length === 0) throw new RangeError("faults.kinds must not be empty");
    this.#rate = rate;
    this.#seed = seedToUint32(options?.seed ?? 1);
    this.#kinds = [...kinds];
    this.#lateMs = options?.lateMs ?? DEFAULT_LATE_MS;
    this.#requestNumber = 0;
  }

  /** Makes the next `count` requests fail with `kind`, before any seeded fault. */
  force(kind: ForcedFaultKind, count = 1): void {
    if (!isFaultKind(kind) && !(FORCED_FAULT_KINDS as readonly string[]).includes(kind))
      throw new RangeError(`unknown fault kind ${JSON.stringify(kind)}`);
    for (let i = 0; i < count; i++) this.#forced.push(kind);
  }

  get lateMs(): number {
    return this.#lateMs;
  }

  /** The fault for the request that just arrived, or undefined (the common case). */
  next(): ForcedFaultKind | undefined {
    if (this.#forced.length > 0) return this.#forced.shift();
    if (this.#rate === 0) return undefined;
    const n = this.#requestNumber++;
    if (unitInterval(mix(this.#seed, n * 2)) >= this.#rate) return undefined;
    return this.#kinds[mix(this.#seed, n * 2 + 1) % this.#kinds.length];
  }
}

/** A 32-bit hash of (seed, n): the finalizer of MurmurHash3 over their combination. */
function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function unitInterval(hash: number): number {
  return hash / 0x1_0000_0000;
}

function seedToUint32(seed: number | string): number {
  if (typeof seed === "number") return seed >>> 0;
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// What identifies a batch row across re-runs: a fingerprint of what the row sends (its fields as
// read, keys sorted) and how many identical rows came before it. Position plays no part, so a
// re-run after re-sorting, inserting or removing rows sends each unchanged row zero more times;
// a row whose fields changed is a new row and is sent (see action/README.md, "Row keys").
import { createHash } from "node:crypto";
import type { FileRow } from "./rows.ts";
import { stableJson } from "./idempotency.ts";
import type { Shard } from "./inputs.ts";

/** 16 hex digits of SHA-256 over the row's fields; undefined for a row that could not be read. */
export function rowFingerprint(row: FileRow): string | undefined {
  if (row.value === undefined) return undefined;
  return createHash("sha256").update(stableJson(row.value)).digest("hex").slice(0, 16);
}

/**
 * The shard a row belongs to: by its fingerprint, so a row stays in its shard when the file is
 * re-sorted (a re-run of the failed legs of a matrix then finds its rows again). A row that could
 * not be read is never sent; it is reported by the shard of its position.
 */
export function inShard(row: FileRow, fingerprint: string | undefined, shard: Shard): boolean {
  if (shard.count === 1) return true;
  const bucket = fingerprint === undefined ? row.row - 1 : Number.parseInt(fingerprint.slice(0, 8), 16);
  return bucket % shard.count === shard.index - 1;
}

/**
 * Counts fingerprints seen: `next` answers 0 the first time, 1 the second, … Kept as numbers in a
 * typed array rather than strings in a Map, and sized once from the checking pass's row count, so
 * a file of a million distinct rows costs about 11 bytes a row (bench row "memory").
 */
export class OccurrenceCounter {
  /** Most of the table that may be used; past it, probing slows down and the table grows. */
  static readonly LOAD = 0.7;
  #slots: Float64Array;
  #used = 0;
  /** Counts above 1, for the (rare) fingerprints seen more than once. */
  readonly #repeats = new Map<number, number>();

  constructor(expected = 1024) {
    this.#slots = new Float64Array(Math.max(16, Math.ceil(expected / OccurrenceCounter.LOAD)));
  }

  next(fingerprint: string): number {
    // 52 bits: exact in a double; 1 is added so that 0 can mark an empty slot.
    const key = Number.parseInt(fingerprint.slice(0, 13), 16) + 1;
    const slot = this.#find(this.#slots, key);
    if (this.#slots[slot] === key) {
      const seen = this.#repeats.get(key) ?? 1;
      this.#repeats.set(key, seen + 1);
      return seen;
    }
    this.#slots[slot] = key;
    // More rows than the checking pass counted (the file changed since): grow.
    if (++this.#used > this.#slots.length * OccurrenceCounter.LOAD) this.#grow();
    return 0;
  }

  /** The slot holding `key`, or the empty slot where it belongs (linear probing). */
  #find(slots: Float64Array, key: number): number {
    let slot = key % slots.length;
    while (slots[slot] !== 0 && slots[slot] !== key) slot = slot + 1 === slots.length ? 0 : slot + 1;
    return slot;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Float64Array(old.length * 2);
    for (const key of old) if (key !== 0) this.#slots[this.#find(this.#slots, key)] = key;
  }
}

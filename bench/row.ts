// One row of `npm run bench`: our figure beside the reference figure measured in the same
// run, and their ratio (ours / reference). Every benchmark module returns rows of this shape.
export interface BenchRow {
  /** What is measured, e.g. "sandbox POST /v1/messages throughput". */
  name: string;
  /** Our figure and the reference figure, in `unit`. */
  ours: number;
  reference: number;
  unit: string;
  /** What the reference is, e.g. "bare node:http, constant 202". */
  referenceName: string;
  /** ours / reference. */
  ratio: number;
  /** The target on the ratio, e.g. { atLeast: 0.5 } for throughput, { atMost: 3 } for start time. */
  target: { atLeast: number } | { atMost: number };
  meets: boolean;
}

/** Builds a row, computing the ratio and whether it meets its target. */
export function benchRow(fields: Omit<BenchRow, "ratio" | "meets">): BenchRow {
  const ratio = fields.ours / fields.reference;
  const meets = "atLeast" in fields.target ? ratio >= fields.target.atLeast : ratio <= fields.target.atMost;
  return { ...fields, ratio, meets };
}

// Progress of a long batch in the log: a line every few seconds with done/total, the rate and
// the failures so far, so a person watching a 100,000-row run sees it move.

import { groupDigits } from "./summary.ts";

export const PROGRESS_INTERVAL_MS = 5_000;

export interface ProgressCounts {
  done: number;
  total: number;
  failed: number;
}

/** `12,000/100,000 (12%) · 1,830/s · 3 failed`. */
export function formatProgress(counts: ProgressCounts, elapsedMs: number): string {
  const percent = counts.total === 0 ? 100 : Math.floor((counts.done / counts.total) * 100);
  const rate = elapsedMs > 0 ? Math.round((counts.done * 1000) / elapsedMs) : 0;
  return `${groupDigits(counts.done)}/${groupDigits(counts.total)} (${percent}%) · ${groupDigits(rate)}/s · ${groupDigits(counts.failed)} failed`;
}

/**
 * Prints a progress line every `intervalMs` while started, and a last one on `finish`. The
 * clock is injected so tests can call `tick` without waiting.
 */
export class ProgressReporter {
  readonly #print: (line: string) => void;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #started: number;
  #timer: NodeJS.Timeout | undefined;
  #counts: ProgressCounts = { done: 0, total: 0, failed: 0 };

  constructor(print: (line: string) => void, options: { now?: () => number; intervalMs?: number } = {}) {
    this.#print = print;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.#started = this.#now();
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.#intervalMs);
    // A progress timer alone must not keep the process alive.
    this.#timer.unref();
  }

  update(counts: ProgressCounts): void {
    this.#counts = counts;
  }

  tick(): void {
    this.#print(formatProgress(this.#counts, this.elapsedMs()));
  }

  finish(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.tick();
  }

  elapsedMs(): number {
    return this.#now() - this.#started;
  }
}

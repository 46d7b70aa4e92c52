// ISO-8601 timestamps. `toISOString` costs about half a microsecond and thousands of
// messages a second are stamped within the same millisecond, so the last one is reused.

let lastMs = NaN;
let lastIso = "";

/** `2026-11-22T10:00:00.000Z` for the unix milliseconds `ms`. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function isoNow(): string {
  return isoTime(Date.now());
}

// The Node.js version the package needs (package.json `engines`; a test keeps the two in step).
// Older Nodes fail deep inside undici with an unrelated TypeError; this says it in one line.
// Imports nothing, so that it can run before anything that would break.

export const REQUIRED_NODE = "22.19.0";

/** One line naming the needed and the found version, or undefined when `found` is recent enough. */
export function nodeVersionProblem(found: string, required: string = REQUIRED_NODE): string | undefined {
  const have = parse(found);
  const need = parse(required)!;
  const ok = have !== undefined && (have[0] - need[0] || have[1] - need[1] || have[2] - need[2]) >= 0;
  return ok ? undefined : `senderkit needs Node.js ${required} or newer; this is Node.js ${found.replace(/^v/, "")}`;
}

function parse(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

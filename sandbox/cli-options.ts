// The command line of `senderkit-sandbox` (cli.ts): flags → SandboxOptions, and the usage text.
import { parseArgs } from "node:util";
import { FAULT_KINDS, isFaultKind } from "./faults.ts";
import type { FaultKind } from "./faults.ts";
import type { SandboxOptions } from "./index.ts";

export const USAGE = `usage: senderkit-sandbox [options]

A local SenderKit API on 127.0.0.1 that needs no account. Any well-formed key works:
sk_test_ + 16 or more letters or digits (test mode), or sk_live_ + the same (live mode).

  --port N              port to listen on (default 0: a free port)
  --step-ms N           test-mode lifecycle step, queued → sent → delivered (default 1000)
  --rate-limit N        answer 429 past N requests per key per window (default: no limit)
  --rate-window S       the rate-limit window in seconds (default 1; needs --rate-limit)
  --fault-rate F        fraction of requests (0 to 1) that get an injected fault
  --fault-seed S        seed of the fault sequence (default 1; this and the next two need --fault-rate)
  --fault-kinds a,b     kinds to inject (default all): ${FAULT_KINDS.join(", ")}
  --fault-late-ms N     delay of a "late" answer (default 1500)
  --revoked-key KEY     answer 403 api_key_revoked for KEY (repeatable)
  --out-of-plan-key KEY answer 402 plan_limit_reached to sends with KEY (repeatable)
  --isolate-keys        every key is its own account (default: all test keys share one world)
  -h, --help            this help
`;

/** Parses the command line into sandbox options; throws a message for the user on bad input. */
export function parseCommandLine(argv: string[]): SandboxOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      "step-ms": { type: "string" },
      "rate-limit": { type: "string" },
      "rate-window": { type: "string" },
      "fault-rate": { type: "string" },
      "fault-seed": { type: "string" },
      "fault-kinds": { type: "string" },
      "fault-late-ms": { type: "string" },
      "revoked-key": { type: "string", multiple: true },
      "out-of-plan-key": { type: "string", multiple: true },
      "isolate-keys": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) return "help";
  // Flags that only refine another one would otherwise be silently ignored.
  for (const [flag, needs] of [
    ["rate-window", "rate-limit"],
    ["fault-seed", "fault-rate"],
    ["fault-kinds", "fault-rate"],
    ["fault-late-ms", "fault-rate"],
  ] as const) {
    if (values[flag] !== undefined && values[needs] === undefined) throw new Error(`--${flag} needs --${needs}`);
  }
  const options: SandboxOptions = {
    port: integer(values.port, "--port", 0, 65535) ?? 0,
    revokedKeys: values["revoked-key"] ?? [],
    outOfPlanKeys: values["out-of-plan-key"] ?? [],
    isolateKeys: values["isolate-keys"] === true,
  };
  const stepDelayMs = integer(values["step-ms"], "--step-ms", 0);
  if (stepDelayMs !== undefined) options.stepDelayMs = stepDelayMs;
  const limit = integer(values["rate-limit"], "--rate-limit", 1);
  if (limit !== undefined)
    options.rateLimit = { limit, windowSeconds: number(values["rate-window"], "--rate-window", 0.001) ?? 1 };
  const rate = number(values["fault-rate"], "--fault-rate", 0, 1);
  if (rate !== undefined) {
    const kinds = values["fault-kinds"]?.split(",").map((kind) => kind.trim());
    for (const kind of kinds ?? [])
      if (!isFaultKind(kind)) throw new Error(`--fault-kinds: unknown kind "${kind}" (use ${FAULT_KINDS.join(", ")})`);
    const seed = values["fault-seed"];
    options.faults = {
      rate,
      seed: seed === undefined ? 1 : /^[0-9]+$/.test(seed) ? Number(seed) : seed,
      kinds: kinds as FaultKind[] | undefined,
      lateMs: integer(values["fault-late-ms"], "--fault-late-ms", 0),
    };
  }
  return options;
}

function number(value: string | undefined, flag: string, min: number, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || !(parsed >= min && parsed <= max))
    throw new Error(`${flag}: expected a number from ${min} to ${max}, got "${value}"`);
  return parsed;
}

function integer(
  value: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const parsed = number(value, flag, min, max);
  if (parsed !== undefined && !Number.isInteger(parsed))
    throw new Error(`${flag}: expected a whole number, got "${value}"`);
  return parsed;
}

// The action's inputs: their names, defaults and which mode reads them, and readers that turn
// the runner's strings into values. Every problem names the input and what is wrong
// (`vars: line 2: expected a mapping, got a list`); all problems are collected so one failed
// run lists them all, and the step fails before anything is sent.
import { isAbsolute, resolve } from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { API_KEY_PATTERN, idempotencyKeyProblem } from "../src/internal/rules.ts";
import type { Runner } from "./runner.ts";

export type Mode = "send" | "batch" | "lint";
export const MODES: readonly Mode[] = ["send", "batch", "lint"];

interface InputSpec {
  /** The default action.yml declares (the runner then always sets it); none when absent. */
  default?: string;
  /** The modes that read the input. */
  modes: readonly Mode[];
}

/** Every input the action reads. action.yml declares exactly these (a test checks it). */
export const INPUTS = {
  mode: { default: "send", modes: MODES },
  "api-key": { modes: MODES },
  "base-url": { modes: MODES },
  template: { modes: ["send", "batch"] },
  to: { modes: ["send"] },
  vars: { modes: ["send", "batch"] },
  content: { modes: ["send"] },
  interpolate: { default: "false", modes: ["send"] },
  metadata: { modes: ["send", "batch"] },
  cc: { modes: ["send"] },
  bcc: { modes: ["send"] },
  "reply-to": { modes: ["send"] },
  "scheduled-at": { modes: ["send"] },
  "idempotency-key": { modes: ["send", "batch"] },
  file: { modes: ["batch"] },
  concurrency: { default: "4", modes: ["batch"] },
  shard: { default: "1/1", modes: ["batch"] },
  "dry-run": { default: "false", modes: ["batch"] },
  "fail-on-error": { default: "true", modes: ["batch"] },
  "results-file": { modes: ["batch"] },
  templates: { default: "templates/**/*.{yml,yaml,json}", modes: ["lint"] },
  "vars-file": { modes: ["lint"] },
  "fail-on-unused": { default: "false", modes: ["lint"] },
  remote: { default: "false", modes: ["lint"] },
  disable: { modes: ["lint"] },
  "max-sms-segments": { modes: ["lint"] },
  "preview-dir": { modes: ["lint"] },
  "github-token": { modes: ["lint"] },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

/** Concurrency above this buys nothing but rate limiting. */
export const MAX_CONCURRENCY = 16;

/** Thrown when inputs are invalid: one line per problem, each naming its input. */
export class InputError extends Error {
  override name = "InputError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? `Invalid input: ${problems[0]}` : `Invalid inputs:\n- ${problems.join("\n- ")}`);
    this.problems = problems;
  }
}

/**
 * Reads inputs through the runner, collecting problems instead of throwing at the first, so a
 * run reports every bad input at once. Call `check()` when done.
 */
export class InputReader {
  readonly #runner: Pick<Runner, "getInput">;
  readonly problems: string[] = [];

  constructor(runner: Pick<Runner, "getInput">) {
    this.#runner = runner;
  }

  problem(name: InputName, message: string): undefined {
    this.problems.push(`${name}: ${message}`);
    return undefined;
  }

  /** Throws an InputError listing every problem found so far. */
  check(): void {
    if (this.problems.length > 0) throw new InputError(this.problems);
  }

  /** The raw string ("" when unset, or the default when set to "" outside the runner). */
  text(name: InputName): string {
    const value = this.#runner.getInput(name);
    const spec: InputSpec = INPUTS[name];
    return value === "" ? (spec.default ?? "") : value;
  }

  optionalText(name: InputName): string | undefined {
    const value = this.text(name);
    return value === "" ? undefined : value;
  }

  requiredText(name: InputName, why: string): string | undefined {
    const value = this.text(name);
    return value === "" ? this.problem(name, `required ${why}`) : value;
  }

  /** `true`/`false` in the spellings YAML 1.2 and the runner accept. */
  boolean(name: InputName): boolean {
    const value = this.text(name);
    if (/^(true|True|TRUE)$/.test(value)) return true;
    if (/^(false|False|FALSE)?$/.test(value)) return false;
    this.problem(name, `expected true or false, got ${JSON.stringify(value)}`);
    return false;
  }

  integer(name: InputName, min: number, max: number): number | undefined {
    const value = this.text(name);
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      return this.problem(name, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return Number(value);
  }

  /** A YAML or JSON mapping (JSON is YAML); undefined when unset or invalid. */
  mapping(name: InputName): Record<string, unknown> | undefined {
    const value = this.text(name);
    if (value === "") return undefined;
    const parsed = parseMapping(value);
    return parsed.ok ? parsed.value : this.problem(name, parsed.message);
  }

  /** A mapping whose values are strings; numbers and booleans are written as strings. */
  stringMapping(name: InputName): Record<string, string> | undefined {
    const mapping = this.mapping(name);
    if (mapping === undefined) return undefined;
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(mapping)) {
      if (typeof value === "string") result[key] = value;
      else if (typeof value === "number" || typeof value === "boolean") result[key] = String(value);
      else return this.problem(name, `${JSON.stringify(key)}: expected a text value, got ${describe(value)}`);
    }
    return result;
  }

  /** A list: comma- or newline-separated, or a YAML/JSON list. */
  list(name: InputName): string[] | undefined {
    const value = this.text(name);
    if (value === "") return undefined;
    if (value.startsWith("[") || value.startsWith("- ")) {
      const document = parseDocument(value);
      const items: unknown = document.errors.length === 0 ? document.toJS() : undefined;
      if (!Array.isArray(items) || !items.every((item) => typeof item === "string")) {
        return this.problem(name, "expected a list of text values (a, b), one per line, or [a, b]");
      }
      return items.map((item: string) => item.trim()).filter((item) => item !== "");
    }
    return value
      .split(/[,\n]/)
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }

  /** Non-empty lines (globs may contain commas inside braces, so only newlines separate). */
  lines(name: InputName): string[] {
    return this.text(name)
      .split("\n")
      .map((item) => item.trim())
      .filter((item) => item !== "" && !item.startsWith("#"));
  }

  /** A path, resolved against the workspace. */
  path(name: InputName, workspace: string): string | undefined {
    const value = this.optionalText(name);
    if (value === undefined) return undefined;
    return isAbsolute(value) ? value : resolve(workspace || ".", value);
  }
}

/** The API key from the input, or SENDERKIT_API_KEY from the environment. */
export function apiKeyFrom(runner: Pick<Runner, "getInput">, env: NodeJS.ProcessEnv): string {
  return runner.getInput("api-key") || (env.SENDERKIT_API_KEY ?? "").trim();
}

export interface Connection {
  apiKey: string;
  /** undefined: SENDERKIT_BASE_URL, then https://api.senderkit.com (the client's default). */
  baseUrl: string | undefined;
}

/** `api-key` and `base-url`; never echoes the key, only what is wrong with it. */
export function readConnection(input: InputReader, apiKey: string, why: string): Connection | undefined {
  const baseUrl = input.optionalText("base-url");
  if (baseUrl !== undefined && !isHttpUrl(baseUrl))
    input.problem("base-url", `expected an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  if (apiKey === "") {
    input.problem("api-key", `required ${why} (for example \`api-key: \${{ secrets.SENDERKIT_API_KEY }}\`)`);
    return undefined;
  }
  if (!API_KEY_PATTERN.test(apiKey)) {
    input.problem("api-key", "malformed: expected sk_test_ or sk_live_ followed by at least 16 letters and digits");
    return undefined;
  }
  return { apiKey, baseUrl };
}

/** `i/n` with 1 ≤ i ≤ n: this job sends rows whose number modulo n is i - 1. */
export interface Shard {
  index: number;
  count: number;
}

export function readShard(input: InputReader): Shard {
  const value = input.text("shard");
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    input.problem(
      "shard",
      `expected i/n with 1 <= i <= n (like 2/4 for the second of four jobs), got ${JSON.stringify(value)}`,
    );
    return { index: 1, count: 1 };
  }
  return { index, count };
}

export function readIdempotencyKey(input: InputReader): string | undefined {
  const key = input.optionalText("idempotency-key");
  if (key === undefined) return undefined;
  const problem = idempotencyKeyProblem(key);
  return problem ? input.problem("idempotency-key", problem) : key;
}

/** Warnings for inputs set to something other than their default in a mode that ignores them. */
export function ignoredInputs(runner: Pick<Runner, "getInput">, mode: Mode): string[] {
  const ignored: string[] = [];
  for (const [name, spec] of Object.entries(INPUTS) as [InputName, InputSpec][]) {
    const value = runner.getInput(name);
    if (value !== "" && value !== spec.default && !spec.modes.includes(mode)) ignored.push(name);
  }
  return ignored;
}

export type ParsedMapping = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** Parses YAML or JSON text that must hold a mapping; the message gives the line of the problem. */
export function parseMapping(text: string): ParsedMapping {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const line = error.linePos?.[0].line ?? 1;
    return { ok: false, message: `line ${line}: ${firstLine(error.message)} (expected a YAML or JSON mapping)` };
  }
  if (!isMap(document.contents)) {
    const line = document.contents?.range ? lineOf(text, document.contents.range[0]) : 1;
    const got = document.contents === null ? "nothing" : isSeq(document.contents) ? "a list" : "a single value";
    return { ok: false, message: `line ${line}: expected a mapping (like \`name: Ada\`), got ${got}` };
  }
  return { ok: true, value: document.toJS() as Record<string, unknown> };
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

// The command line of `senderkit lint` and `senderkit preview`, parsed with node:util's parseArgs.
import { parseArgs } from "node:util";
import * as templateFiles from "../src/template-files/index.ts";

export class UsageError extends Error {}

export interface CommandOptions {
  patterns: string[];
  help: boolean;
  version: boolean;
  format: "stylish" | "json";
  listRules: boolean;
  out: string | undefined;
  disable: string[];
  maxSmsSegments: number | undefined;
  failOnUnused: boolean;
  varsFile: string | undefined;
  root: string | undefined;
}

export function parseCommandOptions(command: "lint" | "preview", args: string[]): CommandOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
        format: { type: "string" },
        rules: { type: "boolean" },
        out: { type: "string" },
        disable: { type: "string", multiple: true },
        "max-sms-segments": { type: "string" },
        "fail-on-unused": { type: "boolean" },
        "vars-file": { type: "string" },
        root: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const format = values.format ?? "stylish";
  if (format !== "stylish" && format !== "json")
    throw new UsageError(`--format: expected stylish or json, got ${JSON.stringify(format)}`);
  if (command === "lint" && values.out !== undefined)
    throw new UsageError("--out: only senderkit preview writes files");
  if (command === "preview" && (values.format !== undefined || values.rules))
    throw new UsageError("--format and --rules: only for senderkit lint");
  const disable = (values.disable ?? [])
    .flatMap((list) => list.split(","))
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of disable) {
    if (!templateFiles.isRuleId(id)) {
      const suggestion = templateFiles.closestName(id, Object.keys(templateFiles.RULES));
      throw new UsageError(
        `--disable: unknown rule ${JSON.stringify(id)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""} (senderkit lint --rules lists them)`,
      );
    }
  }
  let maxSmsSegments: number | undefined;
  if (values["max-sms-segments"] !== undefined) {
    const text = values["max-sms-segments"];
    maxSmsSegments = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(maxSmsSegments))
      throw new UsageError(`--max-sms-segments: expected a whole number from 1 to 9999, got ${JSON.stringify(text)}`);
  }
  return {
    patterns: positionals,
    help: values.help === true,
    version: values.version === true,
    format,
    listRules: values.rules === true,
    out: values.out,
    disable,
    maxSmsSegments,
    failOnUnused: values["fail-on-unused"] === true,
    varsFile: values["vars-file"],
    root: values.root,
  };
}

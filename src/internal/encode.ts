// Request bodies as the JSON text that is sent. Each body (or batch item) is encoded exactly once,
// here; whatever stops a value from becoming valid JSON is that value's ValidationError, never an
// untyped error from JSON.stringify.
import { invalidInput } from "../errors.ts";
import type { ValidationError } from "../errors.ts";

export type Encoded = { ok: true; text: string; bytes: number } | { ok: false; error: ValidationError };

/** JSON.stringify's lone-surrogate escape (`\udXXX`) not preceded by an escaping backslash. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/i;

/** `label` names the value in the error (e.g. "item 7"); `limit` is the most bytes it may take. */
export function encodeJson(value: unknown, label: string, limit: number): Encoded {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return { ok: false, error: notEncodable(label, reasonOf(error)) };
  }
  // Well-formed JSON.stringify escapes a lone surrogate rather than failing; it is still not text
  // the API can store (it has no UTF-8 form), so it is refused here rather than mangled there.
  if (text.includes("\\u") && LONE_SURROGATE_ESCAPE.test(text)) {
    return { ok: false, error: notEncodable(label, "a string holds a lone UTF-16 surrogate (not valid Unicode)") };
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > limit) {
    return {
      ok: false,
      error: invalidInput([
        { path: [], message: `${label} is ${bytes} bytes as JSON; at most ${limit} fit in a request` },
      ]),
    };
  }
  return { ok: true, text, bytes };
}

function notEncodable(label: string, reason: string): ValidationError {
  return invalidInput([{ path: [], message: `${label} cannot be sent as JSON: ${reason}` }]);
}

function reasonOf(error: unknown): string {
  if (error instanceof RangeError) return "it is nested too deeply";
  const message = error instanceof Error ? error.message : String(error);
  if (/circular/i.test(message)) return "it contains a circular reference";
  if (/BigInt/i.test(message)) return "it contains a BigInt";
  // A throwing toJSON or getter: its first line says why.
  return message.split("\n", 1)[0]!;
}

// Secrets never leave in an error: an API key, a `Bearer` header value or a webhook signing secret
// that a server (or a proxy) echoes back is replaced before the caller sees it, in the message,
// the stack, the issues, the headers and every cause down the chain.
import { SenderKitError } from "../errors.ts";
import { APIError } from "../errors.ts";

const REDACTED = "[redacted]";
/** Anything shaped like a key or signing secret, not only ours: a server may echo another. */
const SECRET_PATTERN = /\b(?:sk_(?:test|live)_[A-Za-z0-9]+|whsec_[A-Za-z0-9+/=_-]+)|\b(Bearer)\s+[^\s",;]+/gi;

/** The text with every secret replaced; `apiKey` is also caught when it is not key-shaped. */
export function redactText(text: string, apiKey?: string): string {
  let out = apiKey !== undefined && apiKey !== "" && text.includes(apiKey) ? text.split(apiKey).join(REDACTED) : text;
  out = out.replace(SECRET_PATTERN, (_match, bearer: string | undefined) =>
    bearer ? `${bearer} ${REDACTED}` : REDACTED,
  );
  return out;
}

/** Scrubs an error in place (and its causes) and returns it. */
export function redactError<E>(error: E, apiKey?: string, seen = new Set<unknown>()): E {
  if (!(error instanceof Error) || seen.has(error)) return error;
  seen.add(error);
  const scrub = (text: string) => redactText(text, apiKey);
  // message and stack are own, non-enumerable properties: redefine them as they were.
  for (const field of ["message", "stack"] as const) {
    const value = error[field];
    if (typeof value === "string") {
      const clean = scrub(value);
      if (clean !== value) Object.defineProperty(error, field, { value: clean, writable: true, configurable: true });
    }
  }
  if (error instanceof APIError) {
    for (const issue of error.issues) issue.message = scrub(issue.message);
    for (const [name, value] of Object.entries(error.headers)) error.headers[name] = scrub(value);
  }
  if (error instanceof SenderKitError || error.cause !== undefined) {
    const cause = error.cause;
    if (typeof cause === "string")
      Object.defineProperty(error, "cause", { value: scrub(cause), writable: true, configurable: true });
    else redactError(cause, apiKey, seen);
  }
  return error;
}

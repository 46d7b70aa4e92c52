// A batch file's row as the send it asks for: which fields are the send's own, which are
// variables or metadata, and the step's defaults underneath.
import type { TemplateBatchItem } from "../src/resources/messages.ts";
import { isPlainObject, mergeUnder, setOwn } from "../src/internal/plain-objects.ts";
import { describe } from "./inputs.ts";
import { withTraceMetadata } from "./context.ts";

/** Columns with a meaning of their own; every other column is a variable. */
export const RESERVED_COLUMNS = [
  "to",
  "template",
  "cc",
  "bcc",
  "reply_to",
  "scheduled_at",
  "vars",
  "metadata",
] as const;

export interface BatchDefaults {
  /** The `template` input: for rows without a template of their own. */
  template: string | undefined;
  /** The `vars` input: every row's variables start from these. */
  vars: Record<string, unknown> | undefined;
  /** The `metadata` input: every row's metadata starts from these. */
  metadata: Record<string, string> | undefined;
  /** Trace metadata added to every row (unless the row sets those keys). */
  trace: Record<string, string>;
}

export type RowItem = { ok: true; item: TemplateBatchItem } | { ok: false; code: string; error: string };

/**
 * A row's fields as a batch item. `to`, `template`, `cc`, `bcc`, `reply_to` and `scheduled_at`
 * are the send's own; `vars.x.y` and plain columns are variables (dotted names nest), and
 * `metadata.k` is metadata. A `vars` or `metadata` field may also hold a whole mapping (or,
 * in CSV, its JSON text).
 */
export function rowToItem(fields: Record<string, unknown>, defaults: BatchDefaults): RowItem {
  const fail = (error: string): RowItem => ({ ok: false, code: "invalid_row", error });
  const rowVars: Record<string, unknown> = {};
  const metadata: Record<string, string> = { ...defaults.metadata };

  for (const [name, value] of Object.entries(fields)) {
    if ((RESERVED_COLUMNS as readonly string[]).includes(name) && name !== "vars" && name !== "metadata") continue;
    if (name === "vars" || name === "metadata") {
      const mapping = typeof value === "string" ? parseJsonMapping(value) : value;
      if (!isPlainObject(mapping)) return fail(`${name}: expected a mapping, got ${describe(mapping)}`);
      for (const [key, item] of Object.entries(mapping)) {
        const problem =
          name === "vars" ? setPath(rowVars, key.split("."), item, `${name}.${key}`) : setMetadata(metadata, key, item);
        if (problem) return fail(problem);
      }
      continue;
    }
    const [head, ...rest] = name.split(".");
    const problem =
      head === "metadata" && rest.length > 0
        ? setMetadata(metadata, rest.join("."), value)
        : setPath(rowVars, head === "vars" && rest.length > 0 ? rest : name.split("."), value, name);
    if (problem) return fail(problem);
  }

  const to = typeof fields.to === "string" ? fields.to.trim() : fields.to;
  if (to === undefined || to === null || to === "") return fail("no recipient: the `to` field is empty or missing");
  const template =
    typeof fields.template === "string" && fields.template.trim() !== "" ? fields.template.trim() : defaults.template;
  if (template === undefined) return fail("no template: the row has none and the `template` input is not set");

  const vars = defaults.vars ? mergeUnder(rowVars, defaults.vars) : rowVars;
  const item: TemplateBatchItem = {
    template,
    to,
    vars,
    metadata: withTraceMetadata(metadata, defaults.trace).metadata,
  };
  for (const [column, field] of [
    ["cc", "cc"],
    ["bcc", "bcc"],
  ] as const) {
    const value = fields[column];
    if (value === undefined) continue;
    const list =
      typeof value === "string"
        ? value
            .split(/[,;]/)
            .map((entry) => entry.trim())
            .filter((entry) => entry !== "")
        : value;
    if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string"))
      return fail(`${column}: expected addresses`);
    item[field] = list;
  }
  if (fields.reply_to !== undefined) {
    if (typeof fields.reply_to !== "string") return fail("reply_to: expected an address");
    item.replyTo = fields.reply_to.trim();
  }
  if (fields.scheduled_at !== undefined) {
    if (typeof fields.scheduled_at !== "string") return fail("scheduled_at: expected an ISO-8601 time");
    item.scheduledAt = fields.scheduled_at.trim();
  }
  return { ok: true, item };
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown, name: string): string | undefined {
  if (keys.some((key) => key === "")) return `${JSON.stringify(name)}: empty name between dots`;
  let current = target;
  for (const [index, key] of keys.entries()) {
    const existing = Object.hasOwn(current, key) ? current[key] : undefined;
    if (index === keys.length - 1) {
      if (existing === undefined) setOwn(current, key, value);
      // A whole mapping for a name that dotted columns also fill: both go in, the columns win.
      else if (isPlainObject(existing) && isPlainObject(value)) setOwn(current, key, mergeUnder(existing, value));
      else return `${JSON.stringify(name)} is given twice`;
      return undefined;
    }
    if (existing === undefined) {
      const child: Record<string, unknown> = {};
      setOwn(current, key, child);
      current = child;
    } else if (isPlainObject(existing)) {
      current = existing;
    } else {
      return `${JSON.stringify(name)} conflicts with ${JSON.stringify(keys.slice(0, index + 1).join("."))}`;
    }
  }
  return undefined;
}

function setMetadata(metadata: Record<string, string>, key: string, value: unknown): string | undefined {
  // setOwn: a `metadata.__proto__` column is a key like any other, not the object's prototype.
  if (typeof value === "string") setOwn(metadata, key, value);
  else if (typeof value === "number" || typeof value === "boolean") setOwn(metadata, key, String(value));
  else return `metadata.${key}: expected a text value, got ${describe(value)}`;
  return undefined;
}

function parseJsonMapping(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function recipientOf(to: unknown): string {
  if (typeof to === "string") return to;
  if (isPlainObject(to) && typeof to.endpoint === "string") return to.endpoint;
  return to === undefined ? "" : JSON.stringify(to);
}

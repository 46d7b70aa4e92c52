// Whole-content helpers (contract sections 5, 6 and 10): which fields of a channel's content are
// templates, in what order, and how a content renders as one unit. Stored templates and
// interpolated raw sends share these, so `variables`, `missing` and `unused` agree everywhere.

import { lookupPath } from "./lookup.ts";
import { parseTemplate } from "./parse.ts";
import { lookupVariables, renderParts } from "./render.ts";
import type { Channel, ParsedTemplate } from "./types.ts";
import { isPlainObject, setOwn } from "../internal/plain-objects.ts";

/** Section 5's content table: each channel's fields, in the order that orders `variables`. */
export const CONTENT_FIELDS: Record<Channel, readonly string[]> = Object.freeze({
  email: Object.freeze(["subject", "html", "text"]),
  sms: Object.freeze(["body"]),
  push: Object.freeze(["title", "body", "badge", "data"]),
  web_push: Object.freeze(["title", "body", "click_url", "icon"]),
});

/** The field whose values are HTML-escaped. */
const HTML_FIELD = "html";
/** The push field whose string values are templated one by one, in key order. */
const DATA_FIELD = "data";

/** A syntax error as a `template_syntax_error` issue: `path` is e.g. `["content", "html"]`. */
export interface ContentSyntaxIssue {
  path: string[];
  message: string;
  line: number;
  column: number;
}

/** One templated string of a content, e.g. `["content", "subject"]` or `["content", "data", "url"]`. */
export interface ContentField {
  path: string[];
  parsed: ParsedTemplate;
}

export interface ContentAnalysis {
  /** Every placeholder path, first appearance first, fields in content-table order. */
  variables: string[];
  /** The `variables` used at least once without a default. */
  requiredVariables: string[];
  errors: ContentSyntaxIssue[];
  fields: ContentField[];
}

export interface ContentRender {
  /** Every field of the channel: templated strings rendered, anything else (badge, null) as given; absent → null. */
  output: Record<string, unknown>;
  missing: string[];
  unused: string[];
}

/**
 * Parses every templated string of `content`: each string field, and each string value of push
 * `data`. Numbers (badge), null and absent fields are not templates.
 */
export function analyzeContent(channel: Channel, content: Record<string, unknown>): ContentAnalysis {
  const fields: ContentField[] = [];
  for (const name of CONTENT_FIELDS[channel]) {
    const value = content[name];
    if (typeof value === "string") {
      fields.push({ path: ["content", name], parsed: parseTemplate(value) });
    } else if (name === DATA_FIELD && isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === "string") fields.push({ path: ["content", name, key], parsed: parseTemplate(item) });
      }
    }
  }

  // Merge per-field variables keeping first appearance; required anywhere means required.
  const required = new Map<string, boolean>();
  const errors: ContentSyntaxIssue[] = [];
  for (const { path, parsed } of fields) {
    for (const slot of parsed.slots) required.set(slot.path, slot.required || required.get(slot.path) === true);
    for (const error of parsed.errors) errors.push({ path, ...error });
  }
  const variables = [...required.keys()];
  return { variables, requiredVariables: variables.filter((path) => required.get(path)), errors, fields };
}

/** Renders content already analysed (the sandbox analyses once to validate, then renders). */
export function renderAnalyzedContent(
  channel: Channel,
  content: Record<string, unknown>,
  analysis: ContentAnalysis,
  vars: Record<string, unknown>,
): ContentRender {
  const output: Record<string, unknown> = {};
  for (const name of CONTENT_FIELDS[channel]) {
    const value = content[name] ?? null;
    // Copy `data` so rendering its values never writes into the caller's object.
    setOwn(
      output,
      name,
      name === DATA_FIELD && isPlainObject(value) ? Object.fromEntries(Object.entries(value)) : value,
    );
  }

  for (const { path, parsed } of analysis.fields) {
    const [, name, key] = path;
    if (name === undefined) continue;
    const text = renderParts(parsed, lookupVariables(parsed, vars), { escapeHtml: name === HTML_FIELD });
    if (key === undefined) setOwn(output, name, text);
    else setOwn(output[name] as Record<string, unknown>, key, text);
  }

  // Lookups do not depend on the field, so the required variables that are missing, in
  // first-appearance order, are exactly the union of the fields' `missing`.
  const missing = analysis.requiredVariables.filter((path) => !lookupPath(vars, path).found);
  const read = new Set(analysis.variables.map((path) => path.split(".", 1)[0]));
  const unused = Object.keys(vars).filter((key) => !read.has(key));
  return { output, missing, unused };
}

/** Renders a whole content: the render result of section 6 (never an error for missing variables). */
export function renderContent(
  channel: Channel,
  content: Record<string, unknown>,
  vars: Record<string, unknown>,
): ContentRender {
  return renderAnalyzedContent(channel, content, analyzeContent(channel, content), vars);
}

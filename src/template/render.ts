// Rendering a parsed template against `vars` (contract section 7).

import { escapeHtml } from "./html.ts";
import { lookupKeys, MISSING, stringifyValue } from "./lookup.ts";
import type { ParsedTemplate } from "./types.ts";

export interface RenderOptions {
  /** True for `html` fields: `{{ }}` values and defaults are escaped, `{{{ }}}` ones are not. */
  escapeHtml?: boolean;
}

/**
 * Looks each distinct variable up once. Shared with the whole-content renderer, which needs the
 * same answers to list `missing`.
 */
export function lookupVariables(parsed: ParsedTemplate, vars: Record<string, unknown>): unknown[] {
  return parsed.slots.map((slot) => lookupKeys(vars, slot.keys));
}

/** Missing required variables, each once, in first-appearance order. */
export function missingVariables(parsed: ParsedTemplate, values: readonly unknown[]): string[] {
  const missing: string[] = [];
  for (const [index, slot] of parsed.slots.entries()) {
    if (slot.required && values[index] === MISSING) missing.push(slot.path);
  }
  return missing;
}

/** Renders `parsed` with values already looked up by `lookupVariables`. */
export function renderParts(parsed: ParsedTemplate, values: readonly unknown[], options?: RenderOptions): string {
  const escape = options?.escapeHtml === true;
  let text = "";
  for (const part of parsed.parts) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const value = values[part.variable];
    // Missing without a default renders as "" (and is reported in `missing`).
    const inserted = value === MISSING ? (part.placeholder.default ?? "") : stringifyValue(value);
    text += escape && !part.placeholder.raw ? escapeHtml(inserted) : inserted;
  }
  return text;
}

/**
 * Renders one template. A template with syntax errors still renders: each faulty tag is kept as
 * its literal source text (callers that must refuse such templates check `parsed.errors`).
 */
export function renderTemplate(
  parsed: ParsedTemplate,
  vars: Record<string, unknown>,
  options?: RenderOptions,
): { text: string; missing: string[] } {
  const values = lookupVariables(parsed, vars);
  return { text: renderParts(parsed, values, options), missing: missingVariables(parsed, values) };
}

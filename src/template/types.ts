// Shared shapes of the template language (contract section 7). They live apart from the
// scanner and renderer so the sandbox server, the linter and the client can import the types
// without pulling in code.

// One definition of the channels, in the contract rules.
export type { Channel } from "../internal/rules.ts";

export type TemplateSyntaxMessage = "unclosed placeholder" | "invalid path" | "invalid filter";

/** A syntax error, located (1-based) at the opening `{{` of the faulty placeholder. */
export interface TemplateSyntaxError {
  message: TemplateSyntaxMessage;
  line: number;
  /** Counted in code points, so a character outside the BMP counts once. */
  column: number;
}

/** One well-formed placeholder. Faulty tags are reported in `errors` instead. */
export interface Placeholder {
  path: string;
  /** The unescaped text of `| default: "…"`, when present. */
  default?: string;
  /** `{{{ path }}}`: inserted without HTML escaping. */
  raw: boolean;
  line: number;
  column: number;
  /** 0-based UTF-16 offset of the opening brace. */
  start: number;
  /** 0-based UTF-16 offset just past the closing braces (exclusive). */
  end: number;
}

/**
 * A compiled template: literal text and placeholders in source order. `variable` indexes
 * `variables` and `slots`, so a render looks each distinct path up once.
 */
export type TemplatePart = string | { placeholder: Placeholder; variable: number };

/** A distinct variable of a template. */
export interface VariableSlot {
  path: string;
  /** The path split on `.`, done once here rather than on every lookup. */
  keys: string[];
  /** Used at least once without a default. */
  required: boolean;
}

export interface ParsedTemplate {
  source: string;
  placeholders: Placeholder[];
  errors: TemplateSyntaxError[];
  /** Distinct placeholder paths, first appearance first. */
  variables: string[];
  /** The `variables` used at least once without a default, in the same order. */
  requiredVariables: string[];
  /** One slot per entry of `variables`, with what rendering needs to know about it. */
  slots: VariableSlot[];
  /** What `renderTemplate` walks; a faulty tag stays here as its literal source text. */
  parts: TemplatePart[];
}

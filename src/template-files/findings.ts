// What lint reports: findings with a rule id, a severity and a file:line:column.

export type Severity = "error" | "warning";

export interface Finding {
  /** The rule's id (see RULES); any rule can be turned off by it. */
  rule: RuleId;
  severity: Severity;
  /** As given to lint: relative to the workspace, with `/`. */
  file: string;
  /** 1-based; the column counts code points, as the template language does. */
  line: number;
  column: number;
  message: string;
}

interface RuleInfo {
  severity: Severity;
  description: string;
}

/** Every rule lint knows, with its default severity and what it checks. README "Rules" cites sources. */
export const RULES = {
  "file-unreadable": {
    severity: "error",
    description:
      "a matched file that cannot or must not be read (outside the workspace, not a regular file, over the size cap)",
  },
  "file-encoding": { severity: "error", description: "a template file that is not UTF-8" },
  syntax: { severity: "error", description: "YAML or JSON that does not parse" },
  "unknown-key": { severity: "warning", description: "a top-level key a template file does not have" },
  shape: { severity: "error", description: "a definition the API would refuse (slug, name, channel, content fields)" },
  "template-syntax": { severity: "error", description: "a placeholder the template language cannot parse" },
  "fixtures-shape": { severity: "error", description: "fixtures that are not a mapping of names to vars" },
  "no-fixtures": { severity: "warning", description: "a template with variables but no fixtures to check them" },
  "missing-variable": { severity: "error", description: "a required variable a fixture does not give" },
  "unused-variable": {
    severity: "warning",
    description: "a fixture variable no placeholder reads (an error with failOnUnused)",
  },
  "duplicate-slug": { severity: "error", description: "two template files with the same slug" },
  "sms-encoding": {
    severity: "warning",
    description: "an SMS body that renders as UCS-2, naming the character that forced it",
  },
  "max-sms-segments": { severity: "error", description: "an SMS body longer than maxSmsSegments segments (default 3)" },
  "sms-length": { severity: "error", description: "an SMS body over the API's 1600 characters" },
  "push-payload-size": { severity: "error", description: "a push or web push payload over 4096 bytes" },
  "email-text-missing": { severity: "warning", description: "an email with html but no text part" },
  "email-subject-length": { severity: "warning", description: "an email subject over 78 characters" },
  "insecure-link": { severity: "warning", description: "an http:// link in rendered content" },
  "web-push-url": { severity: "warning", description: "a web push click_url or icon that is not an https:// URL" },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export function isRuleId(id: string): id is RuleId {
  return Object.hasOwn(RULES, id);
}

/** Findings in file order. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

// Checks a template definition (slug, name, channel, content) the way the server will:
// shape by the wire schemas, placeholders by the template language. The client runs it
// before create/update, and the Pulumi provider's `check` runs it at preview time.
import type { Issue } from "../errors.ts";
import { CHANNELS, SLUG_PATTERN } from "./rules.ts";
import type { Channel } from "./rules.ts";
import { analyzeContent } from "../template/index.ts";
import { checkWire, contentSchemas } from "./wire.ts";

export interface TemplateDefinition {
  slug?: unknown;
  name?: unknown;
  channel?: unknown;
  description?: unknown;
  content?: unknown;
}

/** Every problem with a template definition; `partial` for updates, where fields may be absent. */
export function templateDefinitionIssues(definition: TemplateDefinition, options: { partial?: boolean } = {}): Issue[] {
  const issues: Issue[] = [];
  const { slug, name, channel, description, content } = definition;
  const required = !options.partial;

  if (slug !== undefined || required) {
    if (typeof slug !== "string" || !SLUG_PATTERN.test(slug)) {
      issues.push({
        path: ["slug"],
        message: "expected 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit",
      });
    }
  }
  if (name !== undefined || required) {
    if (typeof name !== "string" || name === "")
      issues.push({ path: ["name"], message: "expected a non-empty string" });
  }
  if (description !== undefined && description !== null && typeof description !== "string") {
    issues.push({ path: ["description"], message: "expected a string" });
  }
  const knownChannel = CHANNELS.includes(channel as Channel) ? (channel as Channel) : undefined;
  if ((channel !== undefined || required) && !knownChannel) {
    issues.push({ path: ["channel"], message: `expected one of ${CHANNELS.join(", ")}` });
  }
  if (content !== undefined || required) {
    if (!knownChannel) {
      if (typeof content !== "object" || content === null)
        issues.push({ path: ["content"], message: "expected an object" });
    } else {
      issues.push(...contentIssues(knownChannel, content));
    }
  }
  return issues;
}

/** Shape and template-language problems of a channel's content. */
export function contentIssues(channel: Channel, content: unknown): Issue[] {
  const shape = checkWire(contentSchemas[channel], content);
  if (!shape.ok) return shape.issues.map((issue) => ({ ...issue, path: ["content", ...issue.path] }));
  return analyzeContent(channel, content as Record<string, unknown>).errors.map((error) => ({
    path: error.path,
    message: error.message,
    line: error.line,
    column: error.column,
  }));
}

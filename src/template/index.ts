// The SenderKit template language (contract sections 6, 7 and 10), shared by the client, the
// sandbox server and the GitHub Action's linter.

export type {
  Channel,
  ParsedTemplate,
  Placeholder,
  TemplatePart,
  TemplateSyntaxError,
  TemplateSyntaxMessage,
  VariableSlot,
} from "./types.ts";
export { parseTemplate } from "./parse.ts";
export { renderTemplate } from "./render.ts";
export type { RenderOptions } from "./render.ts";
export { lookupPath } from "./lookup.ts";
export { escapeHtml } from "./html.ts";
export { CONTENT_FIELDS, analyzeContent, renderAnalyzedContent, renderContent } from "./content.ts";
export type { ContentAnalysis, ContentField, ContentRender, ContentSyntaxIssue } from "./content.ts";

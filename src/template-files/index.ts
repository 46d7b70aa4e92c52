// Templates as code: the one module for the template file format. Files are found by glob and
// read carefully (read.ts), parsed with positions and checked (lint.ts, with the channel rules of
// channel-rules.ts), and rendered per fixture into previews (preview.ts, preview-html.ts).
// Used by the `senderkit` command, the GitHub Action's lint mode and the Pulumi side.
export { findTemplateFiles, readTemplateFile, templateFileReader, decodeUtf8, DEFAULT_MAX_FILE_BYTES } from "./read.ts";
export type { ReadOptions, ReadResult } from "./read.ts";
export { lintTemplateSource, lintFiles, countFindings, SHARED_VARS_FIXTURE } from "./lint.ts";
export { mergeUnder } from "../internal/plain-objects.ts";
export type { FileReport, LintReport, LintOptions, LintFilesOptions, LintedTemplate } from "./lint.ts";
export { RULES, isRuleId, sortFindings } from "./findings.ts";
export type { Finding, RuleId, Severity } from "./findings.ts";
export { DEFAULT_MAX_SMS_SEGMENTS, EMAIL_SUBJECT_LIMIT } from "./channel-rules.ts";
export type { ChannelRuleOptions } from "./channel-rules.ts";
export { smsEncoding, isGsm7, firstNonGsm7 } from "./sms.ts";
export type { SmsEncoding, SmsEncodingName } from "./sms.ts";
export { pushPayload, pushPayloadBytes, PUSH_PAYLOAD_LIMIT } from "./payload.ts";
export { renderPreviews, NO_VARS_FIXTURE } from "./preview.ts";
export type { Preview, RenderedPreview } from "./preview.ts";
export { writePreviewFiles, previewFileName, previewSummary, renderedHtml } from "./preview-html.ts";
export type { WrittenPreviews } from "./preview-html.ts";
export { closestName, editDistance, variablePaths } from "./names.ts";
export { LineIndex, offsetOfLineColumn, scalarSourceMap } from "./positions.ts";
export type { ScalarLike } from "./positions.ts";

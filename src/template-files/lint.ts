// Lint of template files. A template file holds `slug`, `name`, `channel`, `description`,
// `content` and `fixtures` (named sets of sample `vars`). For each file lint reports, at
// file:line:column and under a rule id (findings.ts):
//   - YAML/JSON errors and shape errors (the client's own rules for a template definition);
//   - template syntax errors, at the placeholder inside the (indented, folded or escaped) string;
//   - variables a fixture does not give (full dotted path, field, fixtures, "did you mean");
//   - variables a fixture gives that nothing reads;
//   - channel rules on every fixture's rendered output (channel-rules.ts).
import { resolve } from "node:path";
import { isMap, isPair, isScalar, parseDocument } from "yaml";
import type { Node, YAMLMap } from "yaml";
import { formatPath } from "../errors.ts";
import type { Channel } from "../internal/rules.ts";
import { mergeUnder } from "../internal/plain-objects.ts";
import { CHANNELS, isPlainObject } from "../internal/rules.ts";
import { templateDefinitionIssues } from "../internal/template-definition.ts";
import { analyzeContent, renderAnalyzedContent } from "../template/index.ts";
import type { ContentAnalysis, ContentRender } from "../template/index.ts";
import { channelFindings } from "./channel-rules.ts";
import type { ChannelRuleOptions } from "./channel-rules.ts";
import { RULES, sortFindings } from "./findings.ts";
import type { Finding, RuleId, Severity } from "./findings.ts";
import { closestName, variablePaths } from "./names.ts";
import { LineIndex, offsetOfLineColumn, scalarSourceMap } from "./positions.ts";
import type { ScalarLike } from "./positions.ts";
import { templateFileReader } from "./read.ts";

/** A template that parsed with a known channel and a content mapping: what previews render. */
export interface LintedTemplate {
  file: string;
  /** Undefined when the file has no string slug (findings say so). */
  slug: string | undefined;
  name: string | undefined;
  channel: Channel;
  content: Record<string, unknown>;
  /** Each fixture's variables (shared vars underneath), and where it is in the file. */
  fixtures: { name: string; vars: Record<string, unknown>; line: number; column: number }[];
  slugLine: number;
  slugColumn: number;
}

export interface FileReport {
  file: string;
  slug: string | undefined;
  findings: Finding[];
  template: LintedTemplate | undefined;
}

export interface LintReport {
  files: FileReport[];
  errors: number;
  warnings: number;
}

export interface LintOptions extends ChannelRuleOptions {
  /** Variables every send provides; fixtures add to and override them. */
  sharedVars?: Record<string, unknown> | undefined;
  /** Unused variables are errors rather than warnings. */
  failOnUnused?: boolean | undefined;
  /** Rule ids to turn off. */
  disable?: Iterable<string> | undefined;
}

export interface LintFilesOptions extends LintOptions {
  /** Files must resolve inside this directory; defaults to `cwd`. */
  root?: string | undefined;
  /** The size cap of one file, in bytes (read.ts). */
  maxBytes?: number | undefined;
}

const TEMPLATE_KEYS = ["slug", "name", "channel", "description", "content", "fixtures"];
/** The fixture name used when a template has no fixtures and shared vars are given. */
export const SHARED_VARS_FIXTURE = "(vars-file)";

export type Report = (rule: RuleId, offset: number, message: string, severity?: Severity) => void;

/** Lints one template file's text. `file` is how findings name it. */
export function lintTemplateSource(file: string, source: string, options: LintOptions = {}): FileReport {
  const findings: Finding[] = [];
  const disabled = new Set(options.disable ?? []);
  const lines = new LineIndex(source);
  const report: Report = (rule, offset, message, severity = RULES[rule].severity) => {
    if (!disabled.has(rule)) findings.push({ rule, severity, file, ...lines.position(offset), message });
  };
  const result = (slug?: string, template?: LintedTemplate): FileReport => ({
    file,
    slug,
    findings: sortFindings(findings),
    template,
  });

  // Other tools read .json templates with JSON.parse, which is stricter than YAML.
  if (file.toLowerCase().endsWith(".json")) {
    try {
      JSON.parse(source);
    } catch (error) {
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message);
      report(
        "syntax",
        position ? Number(position[1]) : 0,
        `not valid JSON: ${message.replace(/ in JSON at position.*$/, "")}`,
      );
      return result();
    }
  }
  const document = parseDocument(source, { keepSourceTokens: true, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const first = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      report("syntax", error.pos[0], `not valid YAML: ${first}`);
    }
    return result();
  }
  const root = document.contents;
  if (!isMap(root)) {
    report("shape", 0, `expected a mapping with ${TEMPLATE_KEYS.join(", ")}`);
    return result();
  }
  const definition = document.toJS() as Record<string, unknown>;
  const slug = typeof definition.slug === "string" ? definition.slug : undefined;

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (TEMPLATE_KEYS.includes(key)) continue;
    const suggestion = closestName(key, TEMPLATE_KEYS);
    report(
      "unknown-key",
      nodeStart(pair.key),
      `unknown key ${JSON.stringify(key)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""} ` +
        `(a template file has ${TEMPLATE_KEYS.join(", ")})`,
    );
  }

  // Shape, by the client's own rules. Syntax issues (those with a line) are reported below, per field.
  const { name, channel, description, content } = definition;
  for (const issue of templateDefinitionIssues({ slug: definition.slug, name, channel, description, content })) {
    if (issue.line !== undefined) continue;
    const at = issue.message === "unknown parameter" ? "key" : "value";
    report("shape", locate(root, issue.path, at), `${formatPath(issue.path)}: ${issue.message}`);
  }
  if (!CHANNELS.includes(channel as Channel) || !isPlainObject(content)) return result(slug);
  const knownChannel = channel as Channel;
  const analysis = analyzeContent(knownChannel, content);
  // Each field's node and (decoded lazily, once) where its characters are in the file.
  const fieldMaps = new Map<string, { node: Node | undefined; map?: number[] | undefined }>();
  const positionIn = (fieldPath: readonly string[], decodedOffset: number): number => {
    const key = fieldPath.join(".");
    let field = fieldMaps.get(key);
    if (!field) {
      const node = nodeAt(root, fieldPath);
      field = { node, map: node && isScalar(node) ? scalarSourceMap(source, node as ScalarLike) : undefined };
      fieldMaps.set(key, field);
    }
    return field.map?.[decodedOffset] ?? nodeStart(field.node);
  };

  for (const field of analysis.fields) {
    for (const error of field.parsed.errors) {
      const offset = offsetOfLineColumn(field.parsed.source, error.line, error.column);
      report("template-syntax", positionIn(field.path, offset), `${field.path.join(".")}: ${error.message}`);
    }
  }

  const fixtures = readFixtures(root, definition.fixtures, options.sharedVars, report);
  if (fixtures.length === 0 && analysis.requiredVariables.length > 0) {
    const count = analysis.requiredVariables.length;
    report(
      "no-fixtures",
      locate(root, ["slug"], "key"),
      `no fixtures: add \`fixtures\` with sample vars so lint can check the ${count} variable${count === 1 ? "" : "s"} this template needs`,
    );
  }
  // Each fixture is rendered once, for the variable checks and the channel rules; the channel
  // rules look at what would be sent, so without fixtures at the template rendered with no vars.
  const rendered = fixtures.map((fixture) => renderAnalyzedContent(knownChannel, content, analysis, fixture.vars));
  checkVariables(analysis, fixtures, rendered, positionIn, report, options.failOnUnused === true);
  const renderings =
    fixtures.length > 0
      ? fixtures.map((fixture, index) => ({
          fixture: fixture.name,
          vars: fixture.vars,
          output: rendered[index]!.output,
        }))
      : [{ fixture: "(no vars)", vars: {}, output: renderAnalyzedContent(knownChannel, content, analysis, {}).output }];
  channelFindings(
    {
      channel: knownChannel,
      analysis,
      renderings,
      positionIn,
      fieldOffset: (path) => locate(root, path, "key"),
      report,
    },
    options,
  );

  const slugPosition = lines.position(locate(root, ["slug"]));
  return result(slug, {
    file,
    slug,
    name: typeof name === "string" ? name : undefined,
    channel: knownChannel,
    content,
    fixtures: fixtures.map((fixture) => ({
      name: fixture.name,
      vars: fixture.vars,
      ...lines.position(fixture.offset),
    })),
    slugLine: slugPosition.line,
    slugColumn: slugPosition.column,
  });
}

interface Fixture {
  name: string;
  /** Shared vars with the fixture's own on top. */
  vars: Record<string, unknown>;
  /** The fixture's own variables and where each key is, for unused-variable findings. */
  ownKeys: { name: string; offset: number }[];
  offset: number;
}

function readFixtures(
  root: YAMLMap,
  value: unknown,
  sharedVars: Record<string, unknown> | undefined,
  report: Report,
): Fixture[] {
  const fixturesNode = nodeAt(root, ["fixtures"]);
  if (value === undefined || value === null) {
    return sharedVars
      ? [{ name: SHARED_VARS_FIXTURE, vars: sharedVars, ownKeys: [], offset: locate(root, ["slug"], "key") }]
      : [];
  }
  if (!isMap(fixturesNode) || !isPlainObject(value)) {
    report(
      "fixtures-shape",
      locate(root, ["fixtures"]),
      "fixtures: expected a mapping of fixture names to sample vars",
    );
    return [];
  }
  const fixtures: Fixture[] = [];
  for (const pair of fixturesNode.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    const vars = value[name];
    if (!isPlainObject(vars)) {
      report("fixtures-shape", nodeStart(pair.key), `fixtures.${name}: expected a mapping of variable names to values`);
      continue;
    }
    const ownKeys = isMap(pair.value)
      ? pair.value.items.map((item) => ({
          name: isScalar(item.key) ? String(item.key.value) : "",
          offset: nodeStart(item.key),
        }))
      : [];
    fixtures.push({
      name,
      vars: sharedVars ? mergeUnder(vars, sharedVars) : vars,
      ownKeys,
      offset: nodeStart(pair.key),
    });
  }
  return fixtures;
}

/** Missing variables (one finding per variable, naming every fixture that lacks it) and unused ones. */
function checkVariables(
  analysis: ContentAnalysis,
  fixtures: readonly Fixture[],
  renders: readonly ContentRender[],
  positionIn: (fieldPath: readonly string[], decodedOffset: number) => number,
  report: Report,
  failOnUnused: boolean,
): void {
  const missingIn = new Map<string, Fixture[]>();
  for (const [index, fixture] of fixtures.entries()) {
    const rendered = renders[index]!;
    for (const path of rendered.missing) missingIn.set(path, [...(missingIn.get(path) ?? []), fixture]);
    for (const key of fixture.ownKeys) {
      if (!rendered.unused.includes(key.name)) continue;
      const message = `unused variable ${JSON.stringify(key.name)} in fixture ${JSON.stringify(fixture.name)}: no placeholder reads it`;
      report("unused-variable", key.offset, message, failOnUnused ? "error" : "warning");
    }
  }
  for (const [path, lacking] of missingIn) {
    // Point at the first use without a default: that is where the variable is required.
    const use = firstRequiredUse(analysis, path);
    const field = use ? use.field.join(".") : "content";
    const names = lacking.map((fixture) => JSON.stringify(fixture.name)).join(", ");
    const provided = [...new Set(lacking.flatMap((fixture) => variablePaths(fixture.vars)))];
    const suggestion = closestName(path, provided);
    const several = lacking.length > 1;
    report(
      "missing-variable",
      use ? positionIn(use.field, use.start) : 0,
      `missing variable ${JSON.stringify(path)} in ${field}: fixture${several ? "s" : ""} ${names} ${several ? "do" : "does"} not give it` +
        (suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""),
    );
  }
}

function firstRequiredUse(analysis: ContentAnalysis, path: string): { field: string[]; start: number } | undefined {
  for (const field of analysis.fields) {
    const placeholder = field.parsed.placeholders.find(
      (candidate) => candidate.path === path && candidate.default === undefined,
    );
    if (placeholder) return { field: field.path, start: placeholder.start };
  }
  return undefined;
}

/** The node at `path` (mapping keys only), or undefined. */
function nodeAt(root: YAMLMap, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    node = node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(key))?.value;
  }
  return node as Node | undefined;
}

/**
 * The file offset to report an issue at `path`: the value when it exists (its key with
 * `at: "key"`), else the key of the deepest mapping entry that does (a missing
 * `content.subject` is reported at `content`).
 */
function locate(root: YAMLMap, path: readonly (string | number)[], at: "key" | "value" = "value"): number {
  let node: unknown = root;
  let offset = nodeStart(root);
  for (const [index, key] of path.entries()) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
    if (!pair || !isPair(pair)) break;
    offset = nodeStart(pair.key as Node);
    node = pair.value;
    if (index === path.length - 1 && at === "value" && isScalar(node)) offset = nodeStart(node);
  }
  return offset;
}

function nodeStart(node: unknown): number {
  return (node as { range?: [number, number, number] | null } | undefined)?.range?.[0] ?? 0;
}

/** Files read 32 at a time: thousands of open files at once would hit the descriptor limit. */
const PARALLEL_READS = 32;

/** Lints files (paths relative to `cwd`), then checks that no two templates share a slug. */
export async function lintFiles(
  files: readonly string[],
  cwd: string,
  options: LintFilesOptions = {},
): Promise<LintReport> {
  const reports: FileReport[] = [];
  const disabled = new Set(options.disable ?? []);
  const lintOptions = { ...options, disable: disabled };
  const reader = await templateFileReader({ root: options.root ?? cwd, maxBytes: options.maxBytes });
  for (let start = 0; start < files.length; start += PARALLEL_READS) {
    const slice = files.slice(start, start + PARALLEL_READS);
    const reads = await Promise.all(slice.map((file) => reader(resolve(cwd, file))));
    slice.forEach((file, index) => {
      const read = reads[index]!;
      if (read.ok) reports.push(lintTemplateSource(file, read.source, lintOptions));
      else {
        const findings = disabled.has(read.finding.rule) ? [] : [{ ...read.finding, file }];
        reports.push({ file, slug: undefined, findings, template: undefined });
      }
    });
  }
  const firstFileOfSlug = new Map<string, LintedTemplate>();
  for (const report of reports) {
    const template = report.template;
    if (template?.slug === undefined || disabled.has("duplicate-slug")) continue;
    const first = firstFileOfSlug.get(template.slug);
    if (!first) {
      firstFileOfSlug.set(template.slug, template);
      continue;
    }
    report.findings.push({
      rule: "duplicate-slug",
      severity: RULES["duplicate-slug"].severity,
      file: report.file,
      line: template.slugLine,
      column: template.slugColumn,
      message: `slug ${JSON.stringify(template.slug)} is also used by ${first.file}:${first.slugLine}`,
    });
  }
  return countFindings(reports);
}

export function countFindings(files: FileReport[]): LintReport {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    for (const finding of file.findings) {
      if (finding.severity === "error") errors++;
      else warnings++;
    }
  }
  return { files, errors, warnings };
}

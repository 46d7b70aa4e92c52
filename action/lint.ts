// Mode `lint`: checks template files (the same files the Pulumi example deploys) against their
// fixtures, locally, so a pull request that breaks a template fails in CI rather than in
// production. A template file holds `slug`, `name`, `channel`, `description`, `content` and
// `fixtures` (named sets of sample `vars`). For each it reports, at file:line:column:
//   - YAML/JSON errors and shape errors (the client's own rules for a template definition);
//   - template syntax errors, at the placeholder inside the (possibly indented, folded or
//     escaped) string;
//   - variables a fixture does not give (full dotted path, field, fixtures, "did you mean");
//   - variables a fixture gives that nothing reads (warnings; errors with fail-on-unused).
// With `remote: true` it also renders each fixture through SenderKit's render API against the
// stored template of the same slug.
import { glob, readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { isMap, isPair, isScalar, parseDocument } from "yaml";
import type { Node, YAMLMap } from "yaml";
import type { Channel } from "../src/rules.ts";
import { CHANNELS, isPlainObject } from "../src/rules.ts";
import { templateDefinitionIssues } from "../src/template-input.ts";
import { analyzeContent, renderAnalyzedContent } from "../src/template/index.ts";
import type { ContentAnalysis } from "../src/template/index.ts";
import type { GitHubContext } from "./context.ts";
import { formatPath } from "../src/errors.ts";
import { InputReader, parseMapping, readConnection } from "./inputs.ts";
import { mergeUnder } from "./plain-objects.ts";
import type { Runner } from "./runner.ts";
import { ANNOTATIONS_PER_TYPE, logText } from "./runner.ts";
import { LineIndex, offsetOfLineColumn, scalarSourceMap } from "./scalar-positions.ts";
import type { ScalarLike } from "./scalar-positions.ts";
import { codeText, escapeText, markdownTable, plural } from "./summary.ts";
import type { Cell } from "./summary.ts";

export type Severity = "error" | "warning";

export interface Finding {
  severity: Severity;
  /** As annotations want it: relative to the workspace, with `/`. */
  file: string;
  line: number;
  column: number;
  message: string;
}

/** What remote checks need of a template that linted cleanly enough to have a slug. */
export interface LintedTemplate {
  file: string;
  slug: string;
  channel: Channel;
  /** Each fixture's variables (the vars file underneath), and where to report about it. */
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

export interface LintOptions {
  /** Variables every send provides (the `vars-file` input); fixtures add to and override them. */
  sharedVars?: Record<string, unknown> | undefined;
  /** Unused variables are errors rather than warnings. */
  failOnUnused?: boolean | undefined;
}

const TEMPLATE_KEYS = ["slug", "name", "channel", "description", "content", "fixtures"];
/** The fixture name used when a template has no fixtures and a vars file is given. */
const VARS_FILE_FIXTURE = "(vars-file)";

/** Lints one template file's text. `file` is how findings name it. */
export function lintTemplateSource(file: string, source: string, options: LintOptions = {}): FileReport {
  const findings: Finding[] = [];
  const lines = new LineIndex(source);
  const report = (severity: Severity, offset: number, message: string) =>
    findings.push({ severity, file, ...lines.position(offset), message });
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
        "error",
        position ? Number(position[1]) : 0,
        `not valid JSON: ${message.replace(/ in JSON at position.*$/, "")}`,
      );
      return result();
    }
  }
  const document = parseDocument(source, { keepSourceTokens: true, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    for (const error of document.errors)
      report(
        "error",
        error.pos[0],
        `not valid YAML: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      );
    return result();
  }
  const root = document.contents;
  if (!isMap(root)) {
    report("error", 0, `expected a mapping with ${TEMPLATE_KEYS.join(", ")}`);
    return result();
  }
  const definition = document.toJS() as Record<string, unknown>;
  const slug = typeof definition.slug === "string" ? definition.slug : undefined;

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (TEMPLATE_KEYS.includes(key)) continue;
    const suggestion = closestName(key, TEMPLATE_KEYS);
    report(
      "warning",
      nodeStart(pair.key),
      `unknown key ${JSON.stringify(key)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""} (a template file has ${TEMPLATE_KEYS.join(", ")})`,
    );
  }

  // Shape, by the client's own rules. Syntax issues (those with a line) are reported below, per field.
  const { name, channel, description, content } = definition;
  for (const issue of templateDefinitionIssues({ slug: definition.slug, name, channel, description, content })) {
    if (issue.line !== undefined) continue;
    report(
      "error",
      locate(root, issue.path, issue.message === "unknown parameter" ? "key" : "value"),
      `${formatPath(issue.path)}: ${issue.message}`,
    );
  }
  if (!CHANNELS.includes(channel as Channel) || !isPlainObject(content)) return result(slug);
  const knownChannel = channel as Channel;
  const analysis = analyzeContent(knownChannel, content);
  // Each field's node and (decoded lazily, once) where its characters are in the file.
  const fieldMaps = new Map<string, { node: Node | undefined; map?: number[] | undefined }>();
  const positionIn = (fieldPath: string[], decodedOffset: number): number => {
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
      report("error", positionIn(field.path, offset), `${field.path.join(".")}: ${error.message}`);
    }
  }

  const fixtures = readFixtures(root, definition.fixtures, options.sharedVars, report);
  if (fixtures.length === 0 && analysis.requiredVariables.length > 0) {
    report(
      "warning",
      locate(root, ["slug"], "key"),
      `no fixtures: add \`fixtures\` with sample vars so lint can check the ${plural(analysis.requiredVariables.length, "variable")} this template needs`,
    );
  }
  checkVariables(knownChannel, content, analysis, fixtures, positionIn, report, options.failOnUnused === true);

  const slugPosition = lines.position(locate(root, ["slug"]));
  const template: LintedTemplate | undefined =
    slug === undefined
      ? undefined
      : {
          file,
          slug,
          channel: knownChannel,
          fixtures: fixtures.map((fixture) => ({
            name: fixture.name,
            vars: fixture.vars,
            ...lines.position(fixture.offset),
          })),
          slugLine: slugPosition.line,
          slugColumn: slugPosition.column,
        };
  return result(slug, template);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
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
  report: (severity: Severity, offset: number, message: string) => void,
): Fixture[] {
  const fixturesNode = nodeAt(root, ["fixtures"]);
  if (value === undefined || value === null) {
    return sharedVars
      ? [{ name: VARS_FILE_FIXTURE, vars: sharedVars, ownKeys: [], offset: locate(root, ["slug"], "key") }]
      : [];
  }
  if (!isMap(fixturesNode) || !isPlainObject(value)) {
    report("error", locate(root, ["fixtures"]), "fixtures: expected a mapping of fixture names to sample vars");
    return [];
  }
  const fixtures: Fixture[] = [];
  for (const pair of fixturesNode.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    const vars = value[name];
    if (!isPlainObject(vars)) {
      report("error", nodeStart(pair.key), `fixtures.${name}: expected a mapping of variable names to values`);
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
  channel: Channel,
  content: Record<string, unknown>,
  analysis: ContentAnalysis,
  fixtures: readonly Fixture[],
  positionIn: (fieldPath: string[], decodedOffset: number) => number,
  report: (severity: Severity, offset: number, message: string) => void,
  failOnUnused: boolean,
): void {
  const missingIn = new Map<string, Fixture[]>();
  for (const fixture of fixtures) {
    const rendered = renderAnalyzedContent(channel, content, analysis, fixture.vars);
    for (const path of rendered.missing) missingIn.set(path, [...(missingIn.get(path) ?? []), fixture]);
    for (const key of fixture.ownKeys) {
      if (!rendered.unused.includes(key.name)) continue;
      report(
        failOnUnused ? "error" : "warning",
        key.offset,
        `unused variable ${JSON.stringify(key.name)} in fixture ${JSON.stringify(fixture.name)}: no placeholder reads it`,
      );
    }
  }
  for (const [path, lacking] of missingIn) {
    // Point at the first use without a default: that is where the variable is required.
    const use = firstRequiredUse(analysis, path);
    const field = use ? use.field.join(".") : "content";
    const names = lacking.map((fixture) => JSON.stringify(fixture.name)).join(", ");
    const provided = [...new Set(lacking.flatMap((fixture) => variablePaths(fixture.vars)))];
    const suggestion = closestName(path, provided);
    report(
      "error",
      use ? positionIn(use.field, use.start) : 0,
      `missing variable ${JSON.stringify(path)} in ${field}: fixture${lacking.length > 1 ? "s" : ""} ${names} ${lacking.length > 1 ? "do" : "does"} not give it` +
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

/** Every dotted path a vars mapping gives: `user`, `user.name`, … */
export function variablePaths(vars: Record<string, unknown>, prefix = ""): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.push(path);
    if (isPlainObject(value)) paths.push(...variablePaths(value, path));
  }
  return paths;
}

/** The candidate closest to `name` when it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`nmae` → `name`). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, beforePrevious[j - 2]! + 1);
      current.push(value);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
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

/** Template files matching the globs (one per line; `!glob` excludes), sorted, relative to `cwd`. */
export async function findTemplateFiles(patterns: readonly string[], cwd: string): Promise<string[]> {
  const include = patterns.filter((pattern) => !pattern.startsWith("!"));
  const exclude = patterns.filter((pattern) => pattern.startsWith("!")).map((pattern) => pattern.slice(1));
  const found = new Set<string>();
  for await (const file of glob(include, { cwd, exclude })) {
    found.add(file.split("\\").join("/"));
  }
  return [...found].sort();
}

export interface LintReport {
  files: FileReport[];
  errors: number;
  warnings: number;
}

/** Lints files (paths relative to `cwd`), then checks that no two templates share a slug. */
export async function lintFiles(files: readonly string[], cwd: string, options: LintOptions = {}): Promise<LintReport> {
  const reports: FileReport[] = [];
  // Read a few files at a time: thousands of open files at once would hit the descriptor limit.
  const PARALLEL_READS = 32;
  for (let start = 0; start < files.length; start += PARALLEL_READS) {
    const slice = files.slice(start, start + PARALLEL_READS);
    const sources = await Promise.all(
      slice.map((file) => readFile(isAbsolute(file) ? file : resolve(cwd, file), "utf8")),
    );
    slice.forEach((file, index) => reports.push(lintTemplateSource(file, sources[index]!, options)));
  }
  const firstFileOfSlug = new Map<string, LintedTemplate>();
  for (const report of reports) {
    const template = report.template;
    if (!template) continue;
    const first = firstFileOfSlug.get(template.slug);
    if (!first) {
      firstFileOfSlug.set(template.slug, template);
      continue;
    }
    report.findings.push({
      severity: "error",
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

/** Renders each fixture through the render API against the stored template of the same slug. */
export async function remoteFindings(
  client: { templates: { render(slug: string, vars?: Record<string, unknown>): Promise<{ missing: string[] }> } },
  templates: readonly LintedTemplate[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const template of templates) {
    const fixtures =
      template.fixtures.length > 0
        ? template.fixtures
        : [{ name: "(no vars)", vars: {}, line: template.slugLine, column: template.slugColumn }];
    for (const fixture of fixtures) {
      try {
        const rendered = await client.templates.render(template.slug, fixture.vars);
        for (const path of rendered.missing) {
          findings.push({
            severity: "error",
            file: template.file,
            line: fixture.line,
            column: fixture.column,
            message: `the template ${JSON.stringify(template.slug)} stored on SenderKit needs ${JSON.stringify(path)}, which fixture ${JSON.stringify(fixture.name)} does not give`,
          });
        }
      } catch (error) {
        if ((error as { code?: string }).code !== "template_not_found") throw error;
        findings.push({
          severity: "warning",
          file: template.file,
          line: template.slugLine,
          column: template.slugColumn,
          message: `the template ${JSON.stringify(template.slug)} is not on SenderKit yet: sends would fail until it is deployed`,
        });
        break;
      }
    }
  }
  return findings;
}

/** Findings listed in the job summary; the log has them all. */
const FINDINGS_IN_SUMMARY = 300;

export function lintSummary(report: LintReport, patterns: readonly string[]): string {
  const withFindings = report.files.filter((file) => file.findings.length > 0);
  const lines = [
    "### SenderKit template lint",
    "",
    `${plural(report.files.length, "template file")} (${patterns.map(codeText).join(", ")}): ` +
      `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}.`,
    "",
  ];
  const counts = (file: FileReport, severity: Severity) =>
    file.findings.filter((finding) => finding.severity === severity).length;
  lines.push(
    markdownTable(
      ["Template", "File", "Errors", "Warnings"],
      report.files.map((file): Cell[] => [
        file.slug ? { code: file.slug } : "(no slug)",
        file.file,
        counts(file, "error"),
        counts(file, "warning"),
      ]),
    ),
    "",
  );
  let listed = 0;
  for (const file of withFindings) {
    if (listed >= FINDINGS_IN_SUMMARY) break;
    const shown = file.findings.slice(0, FINDINGS_IN_SUMMARY - listed);
    listed += shown.length;
    lines.push(
      `#### ${file.slug ? `${codeText(file.slug)} ` : ""}${escapeText(file.file)}`,
      "",
      markdownTable(
        ["Where", "Severity", "Finding"],
        shown.map((finding): Cell[] => [`${finding.line}:${finding.column}`, finding.severity, finding.message]),
      ),
      "",
    );
  }
  const total = report.errors + report.warnings;
  if (listed < total) lines.push(`${total - listed} more findings are in the step log.`, "");
  return lines.join("\n");
}

export type RenderClient = Parameters<typeof remoteFindings>[0] & { close(): Promise<void> };

/** The whole mode, as the runner runs it. */
export async function runLintMode(
  runner: Runner,
  context: Pick<GitHubContext, "workspace">,
  apiKey: string,
  // The client (and the HTTP stack under it) is loaded only when remote checks are asked for.
  createClient: (options: { apiKey: string; baseUrl: string | undefined }) => Promise<RenderClient> = async (options) =>
    new (await import("../src/client.ts")).SenderKit(options),
): Promise<void> {
  const input = new InputReader(runner);
  const cwd = context.workspace || process.cwd();
  const patterns = input.lines("templates");
  const varsFile = input.path("vars-file", cwd);
  const failOnUnused = input.boolean("fail-on-unused");
  const remote = input.boolean("remote");
  const connection = remote ? readConnection(input, apiKey, "when remote is true") : undefined;

  let sharedVars: Record<string, unknown> | undefined;
  if (varsFile !== undefined) {
    const text = await readFile(varsFile, "utf8").catch((error: NodeJS.ErrnoException) => error);
    if (typeof text !== "string")
      input.problem("vars-file", `cannot read ${JSON.stringify(varsFile)}: ${text.code ?? text.message}`);
    else {
      const parsed = parseMapping(text);
      if (parsed.ok) sharedVars = parsed.value;
      else input.problem("vars-file", parsed.message);
    }
  }
  const files = patterns.length > 0 ? await findTemplateFiles(patterns, cwd) : [];
  if (patterns.length === 0) input.problem("templates", "expected at least one glob");
  else if (files.length === 0) input.problem("templates", `no files match ${patterns.join(", ")} (in ${cwd})`);
  input.check();

  const report = await runner.group(`Linting ${plural(files.length, "template file")}`, async () => {
    const linted = await lintFiles(files, cwd, { sharedVars, failOnUnused });
    if (connection) {
      const client = await createClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
      try {
        const templates = linted.files.flatMap((file) => (file.template ? [file.template] : []));
        runner.info(`Rendering ${plural(templates.length, "template")} through SenderKit's render API`);
        const extra = await remoteFindings(client, templates);
        for (const finding of extra) linted.files.find((file) => file.file === finding.file)?.findings.push(finding);
      } finally {
        await client.close();
      }
    }
    const counted = countFindings(linted.files);
    for (const file of counted.files) {
      for (const finding of file.findings)
        runner.info(
          `${logText(finding.file)}:${finding.line}:${finding.column}: ${finding.severity}: ${logText(finding.message)}`,
        );
    }
    runner.info(`${plural(counted.errors, "error")}, ${plural(counted.warnings, "warning")}`);
    return counted;
  });

  // The runner keeps 10 annotations of a type; with errors, the step's failure is one more
  // error annotation, so the findings leave room for it. The rest are in the summary and the log.
  const cap = {
    error: report.errors > 0 ? ANNOTATIONS_PER_TYPE - 1 : ANNOTATIONS_PER_TYPE,
    warning: ANNOTATIONS_PER_TYPE,
  };
  const shown = { error: 0, warning: 0 };
  for (const file of report.files) {
    for (const finding of file.findings) {
      if (shown[finding.severity]++ >= cap[finding.severity]) continue;
      const where = {
        file: relative(cwd, resolve(cwd, finding.file)).split("\\").join("/"),
        line: finding.line,
        column: finding.column,
        title: `Template ${file.slug ?? file.file}`,
      };
      if (finding.severity === "error") runner.error(finding.message, where);
      else runner.warning(finding.message, where);
    }
  }
  runner.setOutput("errors", report.errors);
  runner.setOutput("warnings", report.warnings);
  await runner.appendSummary(lintSummary(report, patterns));
  if (report.errors > 0) {
    const failing = report.files.filter((file) => file.findings.some((finding) => finding.severity === "error")).length;
    runner.setFailed(
      `Template lint: ${plural(report.errors, "error")} in ${plural(failing, "file")} (see the annotations and the job summary)`,
    );
  }
}

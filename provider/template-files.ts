// TemplateFiles: every template file of a folder (or globs) deployed as one Template each, named by
// slug and parented to the component. The files are found, read and linted by the core's one
// template-file module (src/template-files), so the findings are those of `senderkit lint` and the
// Action, with their file:line:column.
//
// A broken file must never half-deploy: the component's own registration waits for the lint (its
// `dependsOn` carries it), and the Templates are created only after it, so a failing lint registers
// no resource at all and fails the program with every finding.
import { relative, resolve, sep } from "node:path";
import { stat } from "node:fs/promises";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { templateFiles } from "../src/index.ts";
import type { Channel } from "../src/index.ts";
import { Template } from "./template.ts";
import type { TemplateArgs } from "./template.ts";

type Finding = templateFiles.Finding;

export const TEMPLATE_FILES_TYPE = "senderkit:index:TemplateFiles";

/** When lint findings fail the program (before anything is registered). */
export type FailOn = "error" | "warning" | "never";

/**
 * What the API would refuse, or what makes a file no template at all: these always fail, whatever
 * `failOn` says, since deploying the other files would leave this one's template behind or delete it.
 */
const ALWAYS_FAIL: ReadonlySet<string> = new Set([
  "file-unreadable",
  "file-encoding",
  "syntax",
  "shape",
  "template-syntax",
  "duplicate-slug",
]);

export interface TemplateFilesArgs {
  /**
   * A folder: every .yml, .yaml and .json file under it. Relative to the working directory (Pulumi
   * runs the program in the project directory). Give `dir` or `patterns`.
   */
  dir?: string;
  /** Globs relative to the working directory; `!glob` excludes; a folder means its template files. */
  patterns?: string[];
  /**
   * Files must resolve (after symlinks) inside this folder. Default: `dir`, else the working
   * directory.
   */
  root?: string;
  /** Passed to every Template: take over templates whose slug already exists. Default false. */
  adopt?: pulumi.Input<boolean>;
  /**
   * Which lint findings fail the program: "error" (default), "warning" (any finding), or "never"
   * (findings are only logged). A file the API would refuse or that is no template always fails.
   */
  failOn?: FailOn;
  /** Lint rule ids to turn off (src/template-files/README.md, "Rules"). */
  disable?: string[];
  /** The `max-sms-segments` limit (default 3). */
  maxSmsSegments?: number;
  /** Variables every send gives; fixtures add to and override them (as the CLI's vars file). */
  sharedVars?: Record<string, unknown>;
  /**
   * Options for each Template (aliases, protect, ignoreChanges, retainOnDelete, …), or a function
   * of its slug and file giving them. `parent` is always the component.
   */
  templateOptions?:
    pulumi.CustomResourceOptions | ((slug: string, file: string) => pulumi.CustomResourceOptions | undefined);
}

interface Settings {
  name: string;
  cwd: string;
  root: string;
  dir: string | undefined;
  patterns: string[] | undefined;
  failOn: FailOn;
  lint: templateFiles.LintOptions;
}

interface Loaded {
  entries: { slug: string; file: string; args: TemplateArgs }[];
  /** Findings that do not fail the program, formatted for pulumi.log.warn. */
  warnings: string[];
}

/**
 * The template files of a folder or globs, one `Template` each (named by slug, parented to this
 * component).
 *
 * ```ts
 * const templates = new TemplateFiles("templates", { dir: "../templates" });
 * export const versions = templates.versions;
 * ```
 */
export class TemplateFiles extends pulumi.ComponentResource {
  /** The Template resources, by slug. */
  readonly templates: pulumi.Output<Record<string, Template>>;
  /** The slugs, in file order. */
  readonly slugs: pulumi.Output<string[]>;
  /** The file each slug comes from, relative to the working directory. */
  readonly files: pulumi.Output<Record<string, string>>;
  /** Each template's current version, by slug. */
  readonly versions: pulumi.Output<Record<string, number>>;
  /** The variables a send must give, by slug. */
  readonly requiredVariables: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: TemplateFilesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const settings = checkArgs(name, args);
    const loading = loadTemplateFiles(settings);
    // Input<Resource>[] does not admit a promise of a list; the SDK awaits it all the same.
    const gate = loading.then(() => []) as unknown as Promise<pulumi.Resource>;
    super(
      TEMPLATE_FILES_TYPE,
      name,
      { dir: args.dir, patterns: args.patterns, root: args.root, failOn: settings.failOn },
      { ...opts, dependsOn: [gate, opts.dependsOn as pulumi.Input<pulumi.Resource>] },
    );
    const created = loading.then((loaded) => {
      for (const warning of loaded.warnings) void pulumi.log.warn(warning, this);
      const templates: Record<string, Template> = {};
      for (const { slug, file, args: templateArgs } of loaded.entries) {
        const given =
          typeof args.templateOptions === "function" ? args.templateOptions(slug, file) : args.templateOptions;
        templates[slug] = new Template(slug, { ...templateArgs, adopt: args.adopt }, { ...given, parent: this });
      }
      const files = Object.fromEntries(loaded.entries.map((entry) => [entry.slug, entry.file]));
      // A list too: a record reorders keys that look like integers, and slugs may.
      return { templates, files, inOrder: loaded.entries.map((entry) => templates[entry.slug]!) };
    });
    this.templates = pulumi.output(created.then((made) => made.templates));
    this.files = pulumi.output(created.then((made) => made.files));
    const bySlug = <T>(pick: (template: Template) => pulumi.Output<T>): pulumi.Output<Record<string, T>> =>
      this.templates.apply((templates) =>
        pulumi
          .all(Object.entries(templates).map(([slug, template]) => pulumi.all([slug, pick(template)])))
          .apply((pairs) => Object.fromEntries(pairs) as Record<string, T>),
      );
    // From the Templates' own outputs, so whatever uses them depends on the Templates.
    this.slugs = pulumi
      .output(created.then((made) => made.inOrder))
      .apply((inOrder) => pulumi.all(inOrder.map((template) => template.slug)));
    this.versions = bySlug((template) => template.version);
    this.requiredVariables = bySlug((template) => template.requiredVariables);
    this.registerOutputs({
      slugs: this.slugs,
      files: this.files,
      versions: this.versions,
      requiredVariables: this.requiredVariables,
    });
  }
}

/** Arguments a program can get wrong: refused at once, before anything is registered. */
function checkArgs(name: string, args: TemplateFilesArgs): Settings {
  const refuse = (message: string): never => {
    throw new Error(`TemplateFiles "${name}": ${message}`);
  };
  if (typeof args !== "object" || args === null) refuse("expected args with `dir` or `patterns`");
  const { dir, patterns } = args;
  if ((dir === undefined) === (patterns === undefined)) {
    refuse("give `dir` (a folder of template files) or `patterns` (globs), exactly one of them");
  }
  if (dir !== undefined && (typeof dir !== "string" || dir === "")) refuse("dir: expected a folder path");
  if (patterns !== undefined) {
    if (!Array.isArray(patterns) || patterns.length === 0) refuse("patterns: expected a non-empty list of globs");
    patterns.forEach((pattern, index) => {
      if (typeof pattern !== "string" || pattern === "" || pattern === "!") {
        refuse(`patterns[${index}]: expected a glob, got ${JSON.stringify(pattern)}`);
      }
    });
    if (patterns.every((pattern) => pattern.startsWith("!"))) refuse("patterns: every glob excludes (`!`)");
  }
  if (args.root !== undefined && (typeof args.root !== "string" || args.root === "")) {
    refuse("root: expected a folder path");
  }
  const failOn = args.failOn ?? "error";
  if (!["error", "warning", "never"].includes(failOn)) {
    refuse(`failOn: expected "error", "warning" or "never", got ${JSON.stringify(failOn)}`);
  }
  const disable = args.disable ?? [];
  if (!Array.isArray(disable)) refuse("disable: expected a list of rule ids");
  disable.forEach((rule, index) => {
    if (typeof rule !== "string" || !templateFiles.isRuleId(rule)) {
      const suggestion =
        typeof rule === "string" ? templateFiles.closestName(rule, Object.keys(templateFiles.RULES)) : "";
      refuse(
        `disable[${index}]: unknown rule ${JSON.stringify(rule)}` +
          (suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""),
      );
    }
    if (ALWAYS_FAIL.has(rule)) {
      refuse(`disable[${index}]: "${rule}" cannot be turned off for a deployment (the file could not be deployed)`);
    }
  });
  const { maxSmsSegments, sharedVars } = args;
  if (maxSmsSegments !== undefined && !(Number.isInteger(maxSmsSegments) && maxSmsSegments > 0)) {
    refuse(`maxSmsSegments: expected a positive integer, got ${JSON.stringify(maxSmsSegments)}`);
  }
  if (
    sharedVars !== undefined &&
    (typeof sharedVars !== "object" || sharedVars === null || Array.isArray(sharedVars))
  ) {
    refuse("sharedVars: expected a mapping of variable names to values");
  }
  const templateOptions: unknown = args.templateOptions;
  if (templateOptions !== undefined && typeof templateOptions !== "object" && typeof templateOptions !== "function") {
    refuse("templateOptions: expected resource options or a function of (slug, file) giving them");
  }
  const cwd = process.cwd();
  return {
    name,
    cwd,
    root: resolve(cwd, args.root ?? dir ?? "."),
    dir: dir === undefined ? undefined : resolve(cwd, dir),
    patterns,
    failOn,
    lint: { disable, maxSmsSegments, sharedVars },
  };
}

/** How files are named in messages: relative to the working directory, with `/`. */
function displayPath(cwd: string, path: string): string {
  return relative(cwd, path).split(sep).join("/") || ".";
}

async function loadTemplateFiles(settings: Settings): Promise<Loaded> {
  const { name, cwd, root } = settings;
  const fail = (message: string): never => {
    // A RunError: Pulumi prints its message alone, without a stack trace that would say nothing here.
    throw new pulumi.RunError(`TemplateFiles "${name}": ${message}`);
  };
  let files: string[];
  if (settings.dir !== undefined) {
    const info = await stat(settings.dir).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error)
      fail(`dir: cannot read ${displayPath(cwd, settings.dir)} (${info.code ?? info.message})`);
    else if (!info.isDirectory()) fail(`dir: ${displayPath(cwd, settings.dir)} is not a folder`);
    // Found from inside the folder: its name is never read as a glob.
    const inside = await templateFiles.findTemplateFiles(["."], { cwd: settings.dir });
    files = inside.map((file) => displayPath(cwd, resolve(settings.dir!, file)));
  } else {
    files = await templateFiles.findTemplateFiles(settings.patterns!, { cwd });
  }
  if (files.length === 0) {
    // Deploying no file would delete every template this component deployed before.
    const where = settings.dir !== undefined ? displayPath(cwd, settings.dir) : settings.patterns!.join(", ");
    fail(`no template files (.yml, .yaml, .json) in ${where}; nothing to deploy`);
  }

  const read = await templateFiles.templateFileReader({ root });
  const reports: { file: string; findings: Finding[]; template?: templateFiles.LintedTemplate; source?: string }[] = [];
  for (const file of files) {
    const path = resolve(cwd, file);
    const inside = relative(root, path);
    if (inside.startsWith(`..${sep}`) || inside === "..") {
      const message = `outside the root ${displayPath(cwd, root)}: set \`root\` to a folder that holds it`;
      reports.push({
        file,
        findings: [{ rule: "file-unreadable", severity: "error", file, line: 1, column: 1, message }],
      });
      continue;
    }
    const result = await read(path);
    if (!result.ok) {
      reports.push({ file, findings: [{ ...result.finding, file }] });
      continue;
    }
    const report = templateFiles.lintTemplateSource(file, result.source, settings.lint);
    reports.push({ file, findings: report.findings, template: report.template, source: result.source });
  }

  // Two files with one slug would be one template deployed twice: always refused, naming both.
  const firstOfSlug = new Map<string, templateFiles.LintedTemplate>();
  for (const report of reports) {
    const template = report.template;
    if (template?.slug === undefined) continue;
    const first = firstOfSlug.get(template.slug);
    if (!first) {
      firstOfSlug.set(template.slug, template);
      continue;
    }
    report.findings.push({
      rule: "duplicate-slug",
      severity: "error",
      file: report.file,
      line: template.slugLine,
      column: template.slugColumn,
      message: `slug ${JSON.stringify(template.slug)} is also used by ${positionOf(first)}`,
    });
  }

  const failing: Finding[] = [];
  const warnings: Finding[] = [];
  for (const report of reports) {
    for (const finding of report.findings) {
      (fails(finding, settings.failOn) ? failing : warnings).push(finding);
    }
    if (report.template?.slug === undefined && !report.findings.some((finding) => fails(finding, settings.failOn))) {
      // Lint always says why a file gives no template; this only guards against a rule turned off.
      failing.push({
        rule: "shape",
        severity: "error",
        file: report.file,
        line: 1,
        column: 1,
        message: "not a template",
      });
    }
  }
  if (failing.length > 0) {
    const count = `${failing.length} problem${failing.length === 1 ? "" : "s"}`;
    const also =
      warnings.length > 0 ? `\nand ${warnings.length} that do not fail (failOn: "${settings.failOn}"):\n` : "";
    fail(
      `${count} in the template files, so no template was deployed:\n${indented(failing)}` +
        `${also}${indented(warnings)}`,
    );
  }

  return {
    entries: reports.map((report) => {
      const template = report.template!;
      return {
        slug: template.slug!,
        file: report.file,
        args: {
          slug: template.slug!,
          name: template.name!,
          channel: template.channel as Channel,
          description: descriptionOf(report.source!),
          content: template.content as unknown as TemplateArgs["content"],
        },
      };
    }),
    warnings: warnings.map(formatFinding),
  };
}

function positionOf(template: templateFiles.LintedTemplate): string {
  return `${template.file}:${template.slugLine}:${template.slugColumn}`;
}

function fails(finding: Finding, failOn: FailOn): boolean {
  if (ALWAYS_FAIL.has(finding.rule)) return true;
  if (failOn === "never") return false;
  return failOn === "warning" || finding.severity === "error";
}

function indented(findings: Finding[]): string {
  return findings.map((finding) => `  ${formatFinding(finding)}`).join("\n");
}

function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} (${finding.rule})`;
}

/**
 * The file's `description`: the one field the core's LintedTemplate does not carry. Lint has
 * already parsed this text and checked its shape, so this parse cannot fail.
 */
function descriptionOf(source: string): string {
  const definition = parse(source) as { description?: unknown } | null;
  return typeof definition?.description === "string" ? definition.description : "";
}

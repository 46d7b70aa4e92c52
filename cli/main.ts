// The `senderkit` command's lint and preview (bin/senderkit.js hands `sandbox` to the sandbox's
// own CLI). Everything about template files is the core's `templateFiles` module; this file only
// turns the command line into calls and the results into output and an exit code.
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import * as templateFiles from "../src/template-files/index.ts";
import { VERSION } from "../src/version.ts";
import { UsageError, parseCommandOptions } from "./options.ts";
import type { CommandOptions } from "./options.ts";
import { formatReport, jsonReport, safeText, summaryLine } from "./terminal.ts";
import { LINT_USAGE, MAIN_USAGE, PREVIEW_USAGE } from "./usage.ts";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  color: boolean;
}

/** Exit codes: 0 fine, 1 lint errors, 2 bad usage (or nothing to do). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.stdout(MAIN_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    io.stdout(`senderkit ${VERSION}\n`);
    return 0;
  }
  if (command !== "lint" && command !== "preview") {
    io.stderr(`senderkit: unknown command ${JSON.stringify(safeText(command))}\n\n${MAIN_USAGE}`);
    return 2;
  }
  const usage = command === "lint" ? LINT_USAGE : PREVIEW_USAGE;
  let options: CommandOptions;
  try {
    options = parseCommandOptions(command, rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`senderkit ${command}: ${safeText(error.message)}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    io.stdout(usage);
    return 0;
  }
  if (options.version) {
    io.stdout(`senderkit ${VERSION}\n`);
    return 0;
  }
  if (options.listRules) {
    const ids = Object.keys(templateFiles.RULES) as templateFiles.RuleId[];
    const width = Math.max(...ids.map((id) => id.length));
    io.stdout(
      ids
        .map(
          (id) =>
            `${id.padEnd(width)}  ${templateFiles.RULES[id].severity.padEnd(7)}  ${templateFiles.RULES[id].description}\n`,
        )
        .join(""),
    );
    return 0;
  }
  const fail = (message: string) => {
    io.stderr(`senderkit ${command}: ${safeText(message)}\n`);
    return 2;
  };
  if (options.patterns.length === 0)
    return fail(`expected at least one file, directory or glob (senderkit ${command} --help)`);
  if (command === "preview" && options.out === undefined)
    return fail("--out DIR is required: where to write the previews");

  const root = resolve(io.cwd, options.root ?? ".");
  let sharedVars: Record<string, unknown> | undefined;
  if (options.varsFile !== undefined) {
    const read = await templateFiles.readTemplateFile(resolve(io.cwd, options.varsFile), { root: "/" });
    if (!read.ok) return fail(`--vars-file: ${read.finding.message}`);
    let value: unknown;
    try {
      value = parseYaml(read.source);
    } catch (error) {
      return fail(`--vars-file: not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return fail("--vars-file: expected a mapping of variable names to values");
    sharedVars = value as Record<string, unknown>;
  }

  const files = await templateFiles.findTemplateFiles(options.patterns, { cwd: io.cwd });
  if (files.length === 0)
    return fail(`no files match ${options.patterns.map((pattern) => JSON.stringify(pattern)).join(", ")}`);
  const report = await templateFiles.lintFiles(files, io.cwd, {
    root,
    sharedVars,
    failOnUnused: options.failOnUnused,
    disable: options.disable,
    maxSmsSegments: options.maxSmsSegments,
  });

  if (command === "preview") {
    const previews = templateFiles.renderPreviews(report);
    const written = await templateFiles.writePreviewFiles(previews, resolve(io.cwd, options.out!));
    io.stdout(
      `Wrote ${previews.length} preview${previews.length === 1 ? "" : "s"} of ${files.length} template file${files.length === 1 ? "" : "s"}: ${written.index}\n`,
    );
    if (report.errors > 0)
      io.stdout(`${summaryLine(report, { color: io.color })} Run senderkit lint for the details.\n`);
    return 0;
  }

  if (options.format === "json") {
    io.stdout(jsonReport(report));
  } else {
    // The source lines for the excerpts, read again (carefully) only for files with findings.
    const sources = new Map<string, string>();
    for (const file of report.files) {
      if (file.findings.length === 0) continue;
      const read = await templateFiles.readTemplateFile(resolve(io.cwd, file.file), { root });
      if (read.ok) sources.set(file.file, read.source);
    }
    io.stdout(formatReport(report, sources, { color: io.color }));
  }
  return report.errors > 0 ? 1 : 0;
}

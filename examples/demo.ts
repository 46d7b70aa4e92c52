// `npm run demo`: the GitHub Action end to end, on your machine, with no account.
//
// It starts the SenderKit sandbox in this process, creates the example templates on it with
// the client, and then runs the bundled action — `node dist/index.js`, exactly as the Actions
// runner starts it (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_*
// context) — to lint examples/templates, send one message, send a batch from
// examples/batch/customers.csv and re-run that batch. It prints each step's outputs and job
// summary, and a table of all steps at the end.
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { BUILT_ACTION, runLikeRunner } from "../scripts/run-like-runner.ts";
import type { RunnerRun } from "../scripts/run-like-runner.ts";
import { startSandbox } from "../sandbox/index.ts";
import { SenderKit, templateFiles } from "../src/index.ts";
import type { TemplateCreateParams } from "../src/index.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const ACTION = BUILT_ACTION;
/** Any sk_test_ key works with the sandbox. */
const API_KEY = "sk_test_demoDEMOdemo0123456789";
const RUN_ID = "20261122";

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);

interface StepResult {
  title: string;
  code: number | null;
  outputs: Record<string, string>;
  created: number;
}

async function main(): Promise<void> {
  if (!existsSync(ACTION)) throw new Error(`${ACTION} is missing; build it with \`npm run build:action\``);
  const sandbox = await startSandbox({ stepDelayMs: 500 });
  const workspace = await mkdtemp(join(tmpdir(), "senderkit-demo-"));
  const client = new SenderKit({ apiKey: API_KEY, baseUrl: sandbox.url });
  const steps: StepResult[] = [];
  try {
    console.log(bold(`SenderKit sandbox at ${sandbox.url}; workspace ${workspace}\n`));
    // The workspace is the "checkout": the example templates and batch files.
    await cp(join(REPO, "examples", "templates"), join(workspace, "examples", "templates"), { recursive: true });
    await cp(join(REPO, "examples", "batch"), join(workspace, "examples", "batch"), { recursive: true });

    const created: string[] = [];
    for (const file of (await readdir(join(workspace, "examples", "templates"))).sort()) {
      const { slug, name, channel, description, content } = parse(
        await readFile(join(workspace, "examples", "templates", file), "utf8"),
      ) as TemplateCreateParams;
      await client.templates.create({ slug, name, channel, description, content });
      created.push(`${slug} (${channel})`);
    }
    console.log(`Created ${created.length} templates on the sandbox with the client: ${created.join(", ")}\n`);

    const step = async (title: string, inputs: Record<string, string>, attempt = 1) => {
      const before = sandbox.messages().length;
      const result = await runAction(workspace, { "api-key": API_KEY, "base-url": sandbox.url, ...inputs }, attempt);
      const createdNow = sandbox.messages().length - before;
      steps.push({ title, code: result.code, outputs: result.outputs, created: createdNow });
      printStep(title, inputs, result, createdNow);
    };

    // Outside the workspace (removed at the end), so the previews can be opened after the demo.
    const previewDir = await mkdtemp(join(tmpdir(), "senderkit-demo-previews-"));
    const lintInputs = { mode: "lint", templates: "examples/templates/*.{yml,yaml,json}", "preview-dir": previewDir };
    await step("1. Lint the example templates", lintInputs);
    await printPreviews(workspace, lintInputs.templates, steps.at(-1)!.outputs["preview-dir"]);

    // A pull request that breaks a template: a typo in a fixture, a placeholder nothing gives.
    const welcome = await readFile(join(workspace, "examples", "templates", "welcome.yml"), "utf8");
    await cp(join(workspace, "examples", "templates"), join(workspace, "pr-templates"), { recursive: true });
    await writeFile(
      join(workspace, "pr-templates", "welcome.yml"),
      welcome
        .replace("<p>Your {{ user.plan", "<p>Use {{ coupon }} on your {{ user.plan")
        .replace("first_name: Ada", "frist_name: Ada"),
    );
    await step("2. Lint a pull request that breaks welcome.yml", {
      mode: "lint",
      templates: "pr-templates/*.{yml,yaml,json}",
    });

    await step("3. Send one message", {
      mode: "send",
      template: "welcome",
      to: "ada@example.com",
      vars: "user:\n  first_name: Ada\n  plan: pro\nlinks:\n  dashboard: https://app.example.com/dashboard\n",
    });

    const batch = {
      mode: "batch",
      file: "examples/batch/customers.csv",
      template: "order-shipped",
      "fail-on-error": "false",
      "results-file": join(workspace, "results.jsonl"),
    };
    await step("4. Send a batch (customers.csv: 4 good rows, 2 bad)", batch);
    console.log(dim("   results file (one JSON line per row):"));
    for (const line of (await readFile(join(workspace, "results.jsonl"), "utf8")).trim().split("\n"))
      console.log(dim(`     ${line}`));
    console.log();

    await step('5. Re-run the batch ("Re-run failed jobs": same GITHUB_RUN_ID, attempt 2)', batch, 2);

    printTable(steps);
    console.log(
      `\nMessages the sandbox holds: ${sandbox.messages().length}. The re-run created none: it replayed the first run's answers.`,
    );
  } finally {
    await client.close();
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
}

/** `node dist/index.js` as the runner starts it, as step `attempt` of this demo's workflow run. */
function runAction(workspace: string, inputs: Record<string, string>, attempt: number): Promise<RunnerRun> {
  return runLikeRunner({
    workspace,
    inputs,
    github: {
      GITHUB_RUN_ID: RUN_ID,
      GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_JOB: "demo",
      GITHUB_ACTION: inputs.mode ?? "send",
      GITHUB_WORKFLOW: "SenderKit demo",
    },
  });
}

function printStep(title: string, inputs: Record<string, string>, result: RunnerRun, created: number): void {
  console.log(bold(`── ${title} ${"─".repeat(Math.max(0, 72 - title.length))}`));
  const shown = Object.entries(inputs)
    .filter(([name]) => name !== "api-key" && name !== "base-url")
    .map(([name, value]) => `${name}: ${value.includes("\n") ? JSON.stringify(value) : value}`);
  console.log(dim(`   with: ${shown.join(" · ")}`));
  console.log("   log:");
  for (const line of `${result.stdout}${result.stderr}`.split("\n").filter((text) => text !== "")) {
    if (line.startsWith("::add-mask::")) continue; // tells the runner to mask the key
    const command = /^::(group|endgroup|error|warning|notice)([^:]*)::(.*)$/.exec(line);
    if (!command) console.log(`     ${line}`);
    else if (command[1] === "group") console.log(`     ▸ ${command[3]}`);
    else if (command[1] !== "endgroup")
      console.log(
        `     ${command[1] === "error" ? "✖" : "⚠"} ${command[1]}${command[2]}: ${command[3]!.replace(/%0A/g, "\n       ")}`,
      );
  }
  console.log(`   exit code ${result.code}; messages created ${created}; outputs ${JSON.stringify(result.outputs)}`);
  console.log("   job summary:");
  // Lint's previews are HTML folded in <details>: a terminal shows them as the table below.
  const [head, previews] = result.summary.trimEnd().split("#### Previews");
  for (const line of head!.trimEnd().split("\n")) console.log(`   │ ${line}`);
  if (previews !== undefined) {
    const folded = previews.match(/<details>/g)?.length ?? 0;
    console.log(`   │ #### Previews: ${folded} template × fixture renderings, each folded in <details>`);
  }
  console.log();
}

/**
 * What the Action's summary folds and its preview-dir holds, as a table: each template × fixture
 * rendered by the same module (src/template-files) on the same files.
 */
async function printPreviews(workspace: string, pattern: string, previewDir: string | undefined): Promise<void> {
  const files = await templateFiles.findTemplateFiles([pattern], { cwd: workspace });
  const previews = templateFiles.renderPreviews(await templateFiles.lintFiles(files, workspace));
  const excerpt = (text: string) => {
    const line = text.replace(/\s+/g, " ").trim();
    return line.length > 44 ? `${line.slice(0, 43)}…` : line;
  };
  const rows = previews.map((preview) => {
    const r = preview.rendered;
    const shown =
      r.channel === "email" ? `subject: ${r.subject}` : r.channel === "sms" ? r.body : `${r.title}: ${r.body}`;
    const detail =
      r.channel === "sms"
        ? `${r.encoding}, ${r.segments} segment${r.segments === 1 ? "" : "s"} (${r.units} units)`
        : r.channel === "email"
          ? r.text === null
            ? "html only (no text part)"
            : "html + text"
          : `payload ${r.payloadBytes}/4096 bytes`;
    return [preview.slug ?? preview.file, preview.fixture, preview.channel, excerpt(shown), detail];
  });
  const headers = ["Template", "Fixture", "Channel", "Renders to", "SMS encoding / size"];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    `   ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ")}`.trimEnd();
  console.log(bold("   Previews (the job summary's <details>, one HTML page each in preview-dir):"));
  console.log(bold(line(headers)));
  console.log(`   ${widths.map((width) => "─".repeat(width)).join("  ")}`);
  for (const row of rows) console.log(line(row));
  if (previewDir !== undefined)
    console.log(`   HTML previews: ${join(previewDir, "index.html")} (kept after the demo)`);
  console.log();
}

function printTable(steps: StepResult[]): void {
  const rows = steps.map((step) => [
    step.title,
    String(step.code),
    String(step.created),
    Object.entries(step.outputs)
      .map(([name, value]) => `${name}=${value.length > 40 ? `…${value.slice(-30)}` : value}`)
      .join(" "),
  ]);
  const headers = ["Step", "Exit", "Created", "Outputs"];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ");
  console.log(bold(line(headers)));
  console.log(widths.map((width) => "─".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
}

await main();

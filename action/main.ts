// The action's entry point (bundled into dist/index.js): mask the API key, pick the mode, run
// it, and turn any failure into a failed step. Each mode is loaded with a dynamic import, so the
// bundler gives it a chunk of its own and lint mode never loads the HTTP client.
import { SHARE_ENV, Worker, isMainThread, workerData } from "node:worker_threads";
import { readGitHubContext } from "./context.ts";
import { describeError } from "./failure.ts";
import { InputError, InputReader, MODES, apiKeyFrom, ignoredInputs } from "./inputs.ts";
import type { Mode } from "./inputs.ts";
import { createRunner } from "./runner.ts";
import type { Runner } from "./runner.ts";

/** Marks the worker that runs a batch (see `runBatchInWorker`). */
const BATCH_WORKER = "senderkitBatchWorker";

async function main(runner: Runner, env: NodeJS.ProcessEnv): Promise<void> {
  // First of all, before anything could print it.
  const apiKey = apiKeyFrom(runner, env);
  runner.setSecret(apiKey);
  try {
    const mode = readMode(runner);
    for (const name of ignoredInputs(runner, mode)) runner.warning(`${name}: not used in ${mode} mode; ignored`);
    const context = readGitHubContext(env);
    if (mode === "lint") await (await import("./lint.ts")).runLintMode(runner, context, apiKey);
    else if (mode === "batch") await (await import("./batch.ts")).runBatchMode(runner, context, apiKey);
    else await (await import("./send.ts")).runSendMode(runner, context, apiKey);
  } catch (error) {
    runner.setFailed(error instanceof InputError ? `${error.message}\nNothing was sent.` : describeError(error, { runAttempt: env.GITHUB_RUN_ATTEMPT }));
  }
}

function readMode(runner: Runner): Mode {
  const input = new InputReader(runner);
  const value = input.text("mode");
  if (!(MODES as readonly string[]).includes(value)) input.problem("mode", `expected one of ${MODES.join(", ")}, got ${JSON.stringify(value)}`);
  input.check();
  return value as Mode;
}

/**
 * Runs this script again for a batch, in a worker thread with a small young generation.
 * A batch streams its rows and holds little, but V8 sizes the young generation of a busy
 * isolate by the machine (about 100 MB on a large runner), and that, not the rows, would set
 * the step's memory. The runner's options cannot include V8 flags; a worker's resource limits
 * can, in the same process. It writes to the same stdout and files; its exit code is the step's.
 */
function runBatchInWorker(): Promise<number> {
  const worker = new Worker(new URL(import.meta.url), {
    env: SHARE_ENV,
    workerData: { [BATCH_WORKER]: true },
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
  });
  return new Promise((resolve) => {
    worker.once("error", () => resolve(-1));
    worker.once("exit", (code) => resolve(code));
  });
}

const runner = createRunner();
const inWorker = !isMainThread && (workerData as Record<string, unknown> | null)?.[BATCH_WORKER] === true;
const batchInWorker = !inWorker && runner.getInput("mode") === "batch";
const workerCode = batchInWorker ? await runBatchInWorker() : undefined;
if (workerCode === undefined || workerCode === -1) {
  // No worker (or it could not start): run here.
  await main(runner, process.env);
  if (runner.failed) process.exitCode = 1;
} else {
  process.exitCode = workerCode;
}

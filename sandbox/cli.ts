// `senderkit-sandbox`: runs the sandbox until SIGINT or SIGTERM (flags: cli-options.ts, README).
//
//   senderkit-sandbox [--port N] [--step-ms N] [--rate-limit N [--rate-window S]]
//                     [--fault-rate F [--fault-seed S] [--fault-kinds a,b] [--fault-late-ms N]]
//                     [--revoked-key KEY]... [--out-of-plan-key KEY]... [--isolate-keys]
import { USAGE, parseCommandLine } from "./cli-options.ts";
import { startSandbox } from "./index.ts";
import type { Sandbox, SandboxOptions } from "./index.ts";

async function main(): Promise<void> {
  let options: SandboxOptions | "help";
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`senderkit-sandbox: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(options);
  } catch (error) {
    // One clear line, not a stack: the usual causes are the user's (a port in use or not allowed).
    const { code, message } = error as NodeJS.ErrnoException;
    const reason =
      code === "EADDRINUSE"
        ? `port ${options.port} is already in use (choose another with --port, or 0 for a free one)`
        : code === "EACCES"
          ? `not allowed to listen on port ${options.port}`
          : message;
    process.stderr.write(`senderkit-sandbox: cannot start: ${reason}\n`);
    process.exitCode = 2;
    return;
  }
  const faults =
    options.faults === undefined ? "" : `, faults ${options.faults.rate * 100}% (seed ${options.faults.seed})`;
  process.stdout.write(
    `SenderKit sandbox listening on ${sandbox.url}${faults}\n` +
      `Point any SenderKit client at it with:\n` +
      `  SENDERKIT_BASE_URL=${sandbox.url} SENDERKIT_API_KEY=sk_test_sandbox0000000000000000\n` +
      `(any sk_test_ key with 16+ letters or digits works). Ctrl-C stops it.\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`senderkit-sandbox: ${signal}, stopping\n`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`senderkit-sandbox: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();

// The entry of `senderkit lint` and `senderkit preview`, as bin/senderkit.js loads it.
import { runCli } from "./main.ts";

const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined && process.env.FORCE_COLOR !== "0";
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    color,
  });
} catch (error) {
  // An environment problem (an unwritable --out, a vanished directory): one line, not a stack.
  const { code, message } = error as NodeJS.ErrnoException;
  process.stderr.write(`senderkit: ${code ? `${code}: ` : ""}${message}\n`);
  process.exitCode = 2;
}

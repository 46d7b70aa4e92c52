// `npm run bench`: runs every benchmark (or those named on the command line), shows progress on
// stderr, prints one table on stdout and writes bench/results.json. See bench/README.md.
//
//   npm run bench                 every row
//   npm run bench -- batch send   rows by name (or number: `npm run bench -- 1 2`)
//   npm run bench -- --list       the names
//
// Exit code 0 when every benchmark ran, even if some miss their target (the table says so);
// 1 when a benchmark crashed; 2 for an unknown name.
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./row.ts";

/** A row may carry a note (how it was measured) and a target in words (for absolute caps). */
type Row = BenchRow & { note?: string; targetText?: string };

interface Benchmark {
  name: string;
  row: number;
  title: string;
  /** Loaded only when selected, so a broken or missing module fails only its own row. */
  run: () => Promise<Row[]>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: "batch",
    row: 1,
    title: "sendBatch throughput vs raw undici",
    run: async () => (await import("./client-throughput.ts")).benchBatchThroughput(),
  },
  {
    name: "send",
    row: 2,
    title: "single sends vs a raw undici Pool",
    run: async () => (await import("./client-throughput.ts")).benchSingleSends(),
  },
  {
    name: "sandbox",
    row: 3,
    title: "sandbox throughput vs bare node:http",
    run: async () => (await import("./sandbox-throughput.ts")).benchSandboxThroughput(),
  },
  {
    name: "action-start",
    row: 4,
    title: "Action cold start (lint, send) and bundle size",
    run: async () => (await import("./action-start.ts")).benchActionStart(),
  },
  {
    name: "lint",
    row: 5,
    title: "template lint throughput",
    run: async () => (await import("./lint-throughput.ts")).benchLintThroughput(),
  },
  {
    name: "memory",
    row: 6,
    title: "Action batch: peak RSS at 1,000,000 vs 100,000 rows",
    run: async () => (await import("./memory.ts")).benchMemory(),
  },
  {
    name: "batch-1k",
    row: 7,
    title: "sendBatch of 1 KB items vs raw undici",
    run: async () => (await import("./client-throughput.ts")).benchBigBatchThroughput(),
  },
  {
    name: "action-batch",
    row: 8,
    title: "Action batch of 200,000 CSV rows vs sendBatch of the same items",
    run: async () => (await import("./action-batch-throughput.ts")).benchActionBatchThroughput(),
  },
  {
    name: "provider-up",
    row: 9,
    title: "provider: 200 creates under the rate limit vs its floor",
    run: async () => (await import("./provider-up.ts")).benchProviderUp(),
  },
  {
    name: "cli-start",
    row: 10,
    title: "senderkit lint cold start vs node -e 0",
    run: async () => (await import("./cli-start.ts")).benchCliStart(),
  },
];

const RESULTS_FILE = fileURLToPath(new URL("./results.json", import.meta.url));

function select(args: string[]): Benchmark[] | undefined {
  if (args.length === 0) return BENCHMARKS;
  const chosen: Benchmark[] = [];
  for (const arg of args) {
    const found = BENCHMARKS.find((b) => b.name === arg || String(b.row) === arg);
    if (found === undefined) return undefined;
    if (!chosen.includes(found)) chosen.push(found);
  }
  return chosen.sort((a, b) => a.row - b.row);
}

function usage(): string {
  return `usage: npm run bench [-- <name|row>...]\n${BENCHMARKS.map((b) => `  ${String(b.row).padEnd(2)} ${b.name.padEnd(13)} ${b.title}`).join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTarget(row: Row): string {
  if (row.targetText !== undefined) return row.targetText;
  return "atLeast" in row.target ? `≥ ${row.target.atLeast}×` : `≤ ${row.target.atMost}×`;
}

/** A plain text table: the first column left-aligned, the others right-aligned. */
function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)].join("\n");
}

function report(results: { benchmark: Benchmark; rows: Row[]; error?: string }[]): string {
  const lines: string[][] = [];
  const notes: string[] = [];
  for (const { benchmark, rows, error } of results) {
    if (error !== undefined) {
      lines.push([`${benchmark.row}. ${benchmark.name}: CRASHED`, "-", "-", "", "-", "", "✗"]);
      notes.push(`${benchmark.row}. ${benchmark.name} crashed: ${error}`);
      continue;
    }
    rows.forEach((row, i) => {
      const label = `${benchmark.row}${rows.length > 1 ? String.fromCharCode(97 + i) : ""}`;
      lines.push([
        `${label}. ${row.name}`,
        formatNumber(row.ours),
        formatNumber(row.reference),
        row.unit,
        `${row.ratio.toFixed(2)}×`,
        formatTarget(row),
        row.meets ? "✓" : "✗",
      ]);
      notes.push(`${label}. reference: ${row.referenceName}${row.note === undefined ? "" : `; ${row.note}`}`);
    });
  }
  return `${table(["Benchmark", "Ours", "Reference", "Unit", "Ratio", "Target", "Meets"], lines)}\n\n${notes.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("--list") || args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage());
    return 0;
  }
  const selected = select(args);
  if (selected === undefined) {
    process.stderr.write(`unknown benchmark in ${JSON.stringify(args)}\n${usage()}`);
    return 2;
  }

  const started = performance.now();
  const results: { benchmark: Benchmark; rows: Row[]; error?: string; seconds: number }[] = [];
  for (const [i, benchmark] of selected.entries()) {
    process.stderr.write(`[${i + 1}/${selected.length}] ${benchmark.row}. ${benchmark.name}: ${benchmark.title}…\n`);
    const t0 = performance.now();
    try {
      const rows = await benchmark.run();
      const seconds = (performance.now() - t0) / 1000;
      results.push({ benchmark, rows, seconds });
      process.stderr.write(
        `    done in ${seconds.toFixed(1)} s${rows.every((r) => r.meets) ? "" : " (misses its target)"}\n`,
      );
    } catch (error) {
      const seconds = (performance.now() - t0) / 1000;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ benchmark, rows: [], error: message, seconds });
      process.stderr.write(
        `    CRASHED after ${seconds.toFixed(1)} s: ${error instanceof Error ? error.stack : message}\n`,
      );
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;

  process.stdout.write(
    `\n${report(results)}\nTotal ${totalSeconds.toFixed(0)} s on ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "unknown"}), Node ${process.version}.\n`,
  );

  const crashed = results.filter((r) => r.error !== undefined);
  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim(),
        selected: selected.map((b) => b.name),
        totalSeconds: Math.round(totalSeconds * 10) / 10,
        rows: results.flatMap(({ benchmark, rows, seconds }) =>
          rows.map((row) => ({
            benchmark: benchmark.name,
            row: benchmark.row,
            seconds: Math.round(seconds * 10) / 10,
            ...row,
          })),
        ),
        errors: crashed.map(({ benchmark, error }) => ({ benchmark: benchmark.name, row: benchmark.row, error })),
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`wrote ${RESULTS_FILE}\n`);
  return crashed.length > 0 ? 1 : 0;
}

// Exit explicitly: a benchmark's leftover keep-alive socket must not hold the process open.
process.exit(await main());

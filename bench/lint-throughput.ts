// Row 5 of `npm run bench`: template lint throughput. A repository's templates are linted on
// every pull request, so lint should cost little more than reading the files.
//
// Ours: files per second of the core's `templateFiles.lintFiles` with every rule on (read each
// file carefully, parse, check its shape with the client's rules, analyse its placeholders,
// render every fixture, run the channel rules — SMS encoding and segments, push payload size,
// email and link checks — and map findings to file:line:column) over 2,000 generated template
// files with fixtures: every channel, block, folded, quoted and JSON strings, a few findings.
// Reference: the same files merely read (32 at a time, as lintFiles reads) and YAML-parsed, so
// the ratio is our lint's overhead.
// Each side runs once to warm up, then three times interleaved; the best run of each counts.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { lintFiles } from "../src/template-files/index.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const FILES = 2_000;
const RUNS = 3;

/** Template file `i`: a mix of channels and string styles, each with two fixtures. */
export function generatedTemplate(i: number): { name: string; text: string } {
  const slug = `t-${i}`;
  switch (i % 4) {
    case 0:
      return {
        name: `${slug}.yml`,
        text: `slug: ${slug}
name: Welcome ${i}
channel: email
description: Generated template ${i}
content:
  subject: "Welcome to {{ company | default: \\"Acme\\" }}, {{ user.first_name }}"
  html: |
    <h1>Hi {{ user.first_name }} {{ user.last_name }},</h1>
    <p>Your {{ user.plan | default: "free" }} plan is ready.</p>
    <p><a href="{{{ links.dashboard }}}">Dashboard</a> · order {{ order.id }}</p>
  text: >
    Hi {{ user.first_name }}, your plan is ready:
    {{ links.dashboard }}
fixtures:
  basic:
    user: { first_name: Ada, last_name: Lovelace }
    links: { dashboard: "https://app.example.com/${i}" }
    order: { id: "#${i}" }
  pro:
    company: Initech
    user: { first_name: Grace, last_name: Hopper, plan: pro }
    links: { dashboard: "https://app.example.com/${i}?pro" }
    order: { id: "#${i}-p" }${i % 40 === 0 ? "\n    coupon: unused" : ""}
`,
      };
    case 1:
      return {
        name: `${slug}.json`,
        text: JSON.stringify(
          {
            slug,
            name: `Code ${i}`,
            channel: "sms",
            content: {
              body: `{{ code }} is your {{ app | default: "Acme" }} code.\nIt expires in {{ minutes | default: "10" }} minutes. Ref ${i}.`,
            },
            fixtures: { default: { code: String(100000 + i) }, branded: { code: "1", app: "Initech", minutes: 5 } },
          },
          null,
          2,
        ),
      };
    case 2:
      return {
        name: `${slug}.yaml`,
        text: `slug: ${slug}
name: Deploy ${i}
channel: push
content:
  title: '{{ service }} deployed to {{ environment }}'
  body: "{{ commit.message }} by {{ commit.author }} (#${i})"
  badge: 1
  data:
    url: "{{ run_url }}"
    sha: "{{ commit.sha }}"
fixtures:
  production:
    service: api
    environment: production
    run_url: https://github.com/acme/api/actions/runs/${i}
    commit: { sha: abc${i}, message: Fix the retry budget, author: ada }
  staging:
    service: web
    environment: staging
    run_url: https://github.com/acme/web/actions/runs/${i}
    commit: { sha: def${i}, message: Bump, ${i % 50 === 0 ? "autor" : "author"}: grace }
`,
      };
    default:
      return {
        name: `${slug}.yml`,
        text: `slug: ${slug}
name: Incident ${i}
channel: web_push
content:
  title: "[{{ severity | default: \\"SEV2\\" }}] {{ title }}"
  body: Started {{ started_at }}.
    Status page {{ status_url }}
  click_url: "{{ status_url }}"
fixtures:
  sev1:
    severity: SEV1
    title: Checkout errors ${i}
    started_at: 09:41 UTC
    status_url: https://status.example.com/incidents/${i}
`,
      };
  }
}

export async function benchLintThroughput(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-lint-"));
  try {
    const files: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const { name, text } = generatedTemplate(i);
      await writeFile(join(dir, name), text);
      files.push(name);
    }

    const lintOnce = async () => {
      const report = await lintFiles(files, dir);
      if (report.files.length !== FILES) throw new Error(`linted ${report.files.length} of ${FILES} files`);
      return report;
    };
    // Read as lintFiles reads: 32 files at a time.
    const readAndParseOnce = async () => {
      for (let start = 0; start < files.length; start += 32) {
        const slice = files.slice(start, start + 32);
        const sources = await Promise.all(slice.map((file) => readFile(join(dir, file), "utf8")));
        for (const [index, source] of sources.entries()) {
          const document = parseDocument(source);
          if (document.errors.length > 0) throw new Error(`${slice[index]}: ${document.errors[0]!.message}`);
        }
      }
    };
    const filesPerSecond = async (work: () => Promise<unknown>) => {
      const started = process.hrtime.bigint();
      await work();
      return FILES / (Number(process.hrtime.bigint() - started) / 1e9);
    };

    const warm = await lintOnce();
    await readAndParseOnce();
    let ours = 0;
    let reference = 0;
    for (let run = 0; run < RUNS; run++) {
      reference = Math.max(reference, await filesPerSecond(readAndParseOnce));
      ours = Math.max(ours, await filesPerSecond(lintOnce));
    }

    return [
      Object.assign(
        benchRow({
          name: "Template lint throughput (2,000 files with fixtures)",
          ours,
          reference,
          unit: "files/s",
          referenceName: "the same files read and YAML-parsed",
          target: { atLeast: 0.5 },
        }),
        {
          note: `best of ${RUNS} interleaved runs; ${warm.errors} errors and ${warm.warnings} warnings found per run (planted)`,
        },
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

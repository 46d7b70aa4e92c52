// A large `pulumi up` under the rate limit: 200 template creates through the provider's own
// operations (templateOperations: configure, check, create, as the engine calls them), all
// started at once as the engine starts them, against the sandbox with its per-key rate limit on.
//
// The reference is the floor the limit sets: 200 calls at N per second cannot take less than
// 200 / N seconds. The row is our wall time over that floor, target ≤ 1.2×, and it counts only
// if every create succeeded (a failure makes the row miss, whatever the time). Measured at
// 10 requests/s (the goal) and 50 requests/s (where per-window overheads weigh more).
import { startSandbox } from "../sandbox/index.ts";
import { templateOperations } from "../provider/template.ts";
import type { TemplateInputs } from "../provider/template.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const CREATES = 200;
const API_KEY = "sk_test_benchProviderUp00000001";

async function upAtLimit(limit: number): Promise<BenchRow & { note: string }> {
  const sandbox = await startSandbox({ rateLimit: { limit, windowSeconds: 1 } });
  try {
    const config = { "senderkit:apiKey": API_KEY, "senderkit:baseUrl": sandbox.url } as Record<string, string>;
    await templateOperations.configure({ config: { get: (key) => config[key], require: (key) => config[key]! } });
    const checked = await Promise.all(
      Array.from({ length: CREATES }, (_, i) =>
        templateOperations.check(
          {},
          {
            slug: `bench-${limit}-${i}`,
            name: `Bench ${i}`,
            channel: "sms",
            content: { body: "Hi {{ name }}, order {{ order.id }}" },
            __identity: `bench/provider-up/bench-${limit}-${i}`,
          },
        ),
      ),
    );
    const started = performance.now();
    const results = await Promise.allSettled(
      checked.map(({ inputs }) => templateOperations.create(inputs as TemplateInputs)),
    );
    const seconds = (performance.now() - started) / 1000;
    const failures = results.filter((result) => result.status === "rejected").length;
    const row = benchRow({
      name: `provider: ${CREATES} template creates at ${limit} req/s (${failures} failed)`,
      ours: seconds,
      reference: CREATES / limit,
      unit: "s",
      referenceName: `the rate limit's floor, ${CREATES} calls / ${limit} per s`,
      target: { atMost: 1.2 },
    });
    const rateLimited = sandbox.requests.byStatus[429] ?? 0;
    return {
      ...row,
      meets: row.meets && failures === 0,
      note: `${rateLimited} answers were 429; zero failures required`,
    };
  } finally {
    await sandbox.close();
  }
}

export async function benchProviderUp(): Promise<BenchRow[]> {
  return [await upAtLimit(10), await upAtLimit(50)];
}

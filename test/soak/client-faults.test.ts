// Soak: 2,000 sends and 2,000 batch items against the sandbox while 25% of requests fail with
// every fault kind (500, 503, 502 with HTML, 429 with Retry-After: 1, reset before processing,
// reset after commit, and answers later than the client's timeout). Afterwards the sandbox holds
// exactly one message per intended send, none twice, and every call either succeeded or reported
// a typed SenderKitError.
//
// Retries are generous and backoffs short so the run converges quickly; whatever still fails is
// sent again the way a careful caller would (the same idempotency key), and must not double.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SenderKit, SenderKitError } from "../../src/index.ts";
import type { BatchResult, TemplateBatchItem } from "../../src/index.ts";
import { FAULT_KINDS, startSandbox } from "../../sandbox/index.ts";
import type { Sandbox, SandboxMessage } from "../../sandbox/index.ts";

const API_KEY = "sk_test_soakSOAKsoak0123456789";
const SENDS = 2_000;
const BATCH_ITEMS = 2_000;
const SEED = Number(process.env.SOAK_SEED ?? 6);
const FAULT_RATE = 0.25;
/** Client timeout per attempt; `late` answers come well after it. */
const CLIENT_TIMEOUT_MS = 400;
const LATE_MS = 900;

let sandbox: Sandbox;
const summary: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 60_000, isolateKeys: true });
  // The template every send uses, created before faults are switched on.
  const response = await fetch(`${sandbox.url}/v1/templates`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "soak",
      name: "Soak",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: "<p>Message {{ n }}</p>" },
    }),
  });
  expect(response.status).toBe(201);
  sandbox.setFaults({ rate: FAULT_RATE, seed: SEED, lateMs: LATE_MS });
});

afterAll(async () => {
  await sandbox?.close();
  if (summary.length > 0) console.log(`client soak (seed ${SEED}):\n  ${summary.join("\n  ")}`);
});

function soakClient(): SenderKit {
  return new SenderKit({
    apiKey: API_KEY,
    baseUrl: sandbox.url,
    timeout: CLIENT_TIMEOUT_MS,
    // A send gives up only after 26 attempts: 25% faults make that vanishingly rare, and the
    // 409 "in progress" answers while a late answer is pending use up a few of them.
    maxRetries: 25,
    initialRetryDelay: 10,
    maxRetryDelay: 100,
  });
}

/** Messages this test stored, grouped by the `soak` and `n` metadata each send carries. */
function storedBy(kind: string): Map<string, SandboxMessage[]> {
  const groups = new Map<string, SandboxMessage[]>();
  for (const stored of sandbox.messages()) {
    const metadata = stored.message.metadata as Record<string, string>;
    if (metadata.soak !== kind) continue;
    const list = groups.get(metadata.n!) ?? [];
    list.push(stored);
    groups.set(metadata.n!, list);
  }
  return groups;
}

/** Sends (or stored keys) that appear more than once, for the failure message. */
function duplicates(groups: Map<string, SandboxMessage[]>): string[] {
  return [...groups]
    .filter(([, list]) => list.length > 1)
    .map(([n, list]) => `n=${n}: ${list.map((m) => `${m.id} (key ${m.idempotencyKey})`).join(", ")}`);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

function countNames(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe("soak: the client under 25% injected faults of every kind", () => {
  it(`${SENDS} sends: each stored exactly once, every failure typed`, async () => {
    const client = soakClient();
    const requestsBefore = sandbox.requests.total;
    // Even sends let the client make the key (a UUID, reused on every retry); odd sends give one,
    // so a send that still fails can be sent again safely with the same key.
    const keyOf = (n: number) => (n % 2 === 1 ? `soak-send-${SEED}-${n}` : undefined);
    const send = (n: number) =>
      client.send("soak", `user${n}@example.com`, {
        vars: { name: `User ${n}`, n },
        metadata: { soak: "send", n: String(n) },
        idempotencyKey: keyOf(n),
      });

    const outcomes: ({ ok: true; id: string } | { ok: false; error: unknown })[] = new Array(SENDS);
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < SENDS) {
          const n = next++;
          outcomes[n] = await send(n).then(
            (message) => ({ ok: true as const, id: message.id }),
            (error: unknown) => ({ ok: false as const, error }),
          );
        }
      }),
    );
    const failures = outcomes.flatMap((outcome, n) => (outcome.ok ? [] : [{ n, error: outcome.error }]));
    const untyped = failures.filter(({ error }) => !(error instanceof SenderKitError));
    expect(untyped.map(({ n, error }) => `send ${n}: ${String(error)}`)).toEqual([]);
    summary.push(
      `sends: ${SENDS - failures.length}/${SENDS} succeeded on the first call (${(((SENDS - failures.length) / SENDS) * 100).toFixed(2)}%), ` +
        `${sandbox.requests.total - requestsBefore} requests; failures ${JSON.stringify(countNames(failures.map((f) => errorName(f.error))))}`,
    );

    // A send the client gave up on is sent again with its key: it must replay, never double.
    // (A client-made key is unknown to the caller, so those cannot be re-sent safely: none may fail.)
    expect(
      failures
        .filter(({ n }) => keyOf(n) === undefined)
        .map(({ n, error }) => `send ${n} (client-made key): ${String(error)}`),
    ).toEqual([]);
    for (const { n } of failures) {
      for (let attempt = 0; ; attempt++) {
        try {
          outcomes[n] = { ok: true, id: (await send(n)).id };
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(SenderKitError);
          if (attempt === 20) throw error;
        }
      }
    }
    await client.close();

    const stored = storedBy("send");
    expect(duplicates(stored)).toEqual([]);
    const lost = outcomes.flatMap((_, n) => (stored.has(String(n)) ? [] : [n]));
    expect(lost, "sends with no stored message").toEqual([]);
    expect(stored.size).toBe(SENDS);
    // The id each call returned is the stored message's.
    const mismatched = outcomes.flatMap((outcome, n) =>
      outcome.ok && stored.get(String(n))![0]!.id !== outcome.id ? [n] : [],
    );
    expect(mismatched).toEqual([]);
  });

  it(`${BATCH_ITEMS} batch items: each stored exactly once, every failure typed; a re-run replays`, async () => {
    const client = soakClient();
    const requestsBefore = sandbox.requests.total;
    const items: TemplateBatchItem[] = Array.from({ length: BATCH_ITEMS }, (_, n) => ({
      template: "soak",
      to: `batch${n}@example.com`,
      vars: { name: `Batch ${n}`, n },
      metadata: { soak: "batch", n: String(n) },
    }));
    // Chunks of 100: twenty requests, so faults hit batches in every state.
    const options = { idempotencyKey: `soak-batch-${SEED}`, chunkSize: 100, concurrency: 4 };
    const first = await client.sendBatch(items, options);

    expect(first).toHaveLength(BATCH_ITEMS);
    const failed = first.filter((r): r is Extract<BatchResult, { ok: false }> => !r.ok);
    expect(
      failed.filter((r) => !(r.error instanceof SenderKitError)).map((r) => `item ${r.index}: ${String(r.error)}`),
    ).toEqual([]);
    summary.push(
      `batch: ${BATCH_ITEMS - failed.length}/${BATCH_ITEMS} items succeeded on the first call (${(((BATCH_ITEMS - failed.length) / BATCH_ITEMS) * 100).toFixed(2)}%), ` +
        `${sandbox.requests.total - requestsBefore} requests; failures ${JSON.stringify(countNames(failed.map((f) => errorName(f.error))))}`,
    );

    // What the first run stored: never twice, and every accepted item under the id it returned.
    const storedFirst = storedBy("batch");
    expect(duplicates(storedFirst)).toEqual([]);
    for (const result of first)
      if (result.ok) expect(storedFirst.get(String(result.index))?.[0]?.id).toBe(result.message.id);

    // The same batch with the same base key, still under faults: every item the first run stored
    // replays with the same id; only items whose chunk never got through are created now.
    const before = sandbox.messages().length;
    const second = await client.sendBatch(items, options);
    await client.close();
    expect(second.filter((r) => !r.ok).map((r) => `item ${r.index}: ${!r.ok ? String(r.error) : ""}`)).toEqual([]);
    const stored = storedBy("batch");
    expect(duplicates(stored)).toEqual([]);
    expect(stored.size).toBe(BATCH_ITEMS);
    expect(sandbox.messages().length - before, "messages created by the re-run").toBe(BATCH_ITEMS - storedFirst.size);
    for (const result of second) {
      const message = stored.get(String(result.index))![0]!;
      expect(result.ok && result.message.id).toBe(message.id);
      expect(message.idempotencyKey).toBe(`soak-batch-${SEED}-${result.index}`);
      const firstResult = first[result.index]!;
      if (firstResult.ok) expect(firstResult.message.id).toBe(message.id);
    }
  });

  it("injected every fault kind, and no key stored two messages", () => {
    const injected = sandbox.requests.faults;
    summary.push(
      `faults injected: ${JSON.stringify(injected)}; answers by status ${JSON.stringify(sandbox.requests.byStatus)}`,
    );
    for (const kind of FAULT_KINDS) expect(injected[kind] ?? 0, `fault ${kind}`).toBeGreaterThan(0);
    const byKey = new Map<string, number>();
    for (const stored of sandbox.messages()) {
      if (stored.idempotencyKey !== null) byKey.set(stored.idempotencyKey, (byKey.get(stored.idempotencyKey) ?? 0) + 1);
    }
    expect([...byKey].filter(([, count]) => count > 1)).toEqual([]);
    expect(sandbox.messages()).toHaveLength(SENDS + BATCH_ITEMS);
  });
});

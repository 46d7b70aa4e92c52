// Fault injection and the rate limiter: each fault kind, the seeded sequence, state that stays
// consistent under faults (no duplicates), and 429 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KINDS, startSandbox } from "../../sandbox/index.ts";
import type { FaultKind, Sandbox } from "../../sandbox/index.ts";
import { REQUEST_ID, call, client, expectError, freshKey, waitFor } from "./helpers.ts";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 60_000, faults: { rate: 0, lateMs: 250 } });
});
afterAll(() => sandbox.close());

let counter = 0;
const newKey = () => `fault-${process.pid}-${++counter}`;
const send = { to: "+15555550123", content: { type: "sms", body: "hi" } };
const storedWith = (key: string) => sandbox.messages().filter((message) => message.idempotencyKey === key);

const apiKeyOfAttempts = freshKey();

/** fetch's answer, or "reset" when the connection was cut without one. */
async function attempt(key: string, body: unknown = send): Promise<Response | "reset"> {
  try {
    return await fetch(`${sandbox.url}/v1/messages`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKeyOfAttempts}`,
        "content-type": "application/json",
        "idempotency-key": key,
      },
      body: JSON.stringify(body),
    });
  } catch {
    return "reset";
  }
}

describe("each fault kind", () => {
  it("500: internal_error, nothing processed", async () => {
    const key = newKey();
    sandbox.failNext("500");
    expectError(await client(sandbox.url).post("/v1/messages", send, { idempotencyKey: key }), 500, "internal_error");
    expect(storedWith(key)).toHaveLength(0);
  });

  it("503: unavailable", async () => {
    sandbox.failNext("503");
    expectError(await client(sandbox.url).get("/v1/messages"), 503, "unavailable");
  });

  it("502 with an HTML body, still with X-Request-Id", async () => {
    sandbox.failNext("502_html");
    const reply = await client(sandbox.url).post("/v1/messages", send);
    expect(reply.status).toBe(502);
    expect(reply.headers.get("content-type")).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/^<!DOCTYPE html>/);
    expect(reply.json).toBeUndefined();
    expect(reply.headers.get("x-request-id")).toMatch(REQUEST_ID);
  });

  it("429: rate_limited with Retry-After", async () => {
    sandbox.failNext("429");
    const reply = await client(sandbox.url).post("/v1/messages", send);
    expectError(reply, 429, "rate_limited");
    expect(reply.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
  });

  it("reset before processing: no answer, nothing stored; a retry runs anew", async () => {
    const key = newKey();
    sandbox.failNext("reset_before");
    expect(await attempt(key)).toBe("reset");
    expect(storedWith(key)).toHaveLength(0);
    const retry = await attempt(key);
    expect(retry).not.toBe("reset");
    expect((retry as Response).status).toBe(202);
    expect((retry as Response).headers.get("idempotent-replayed")).toBeNull();
    expect(storedWith(key)).toHaveLength(1);
  });

  it("reset after commit: no answer, exactly one stored message, and the retry replays it", async () => {
    const key = newKey();
    sandbox.failNext("reset_after_commit");
    expect(await attempt(key)).toBe("reset");
    const stored = storedWith(key);
    expect(stored).toHaveLength(1);
    const retry = (await attempt(key)) as Response;
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(((await retry.json()) as any).id).toBe(stored[0]!.id);
    expect(storedWith(key)).toHaveLength(1);
  });

  it("late: processed at once, answered lateMs later", async () => {
    const key = newKey();
    sandbox.failNext("late");
    const started = Date.now();
    let answered = false;
    const pending = attempt(key).then((answer) => {
      answered = true;
      return answer;
    });
    await waitFor(() => (storedWith(key).length === 1 ? true : undefined), 1000, "the late request to be processed");
    expect(answered).toBe(false); // stored, but not answered yet
    const answer = (await pending) as Response;
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(answer.status).toBe(202);
  });

  it("failNext queues several faults", async () => {
    sandbox.failNext("503", 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await client(sandbox.url).get("/v1/messages?limit=1")).status);
    expect(statuses).toEqual([503, 503, 200]);
  });
});

describe("seeded faults", () => {
  async function statusesOf(seed: number | string, kinds: FaultKind[], requests: number): Promise<number[]> {
    const faulty = await startSandbox({ faults: { rate: 0.5, seed, kinds } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < requests; i++) statuses.push((await call(faulty.url, "GET", "/v1/messages?limit=1")).status);
      return statuses;
    } finally {
      await faulty.close();
    }
  }

  it("the same seed gives the same faults in the same order; another seed others", async () => {
    const a = await statusesOf(42, ["500", "503", "429"], 60);
    const b = await statusesOf(42, ["500", "503", "429"], 60);
    const c = await statusesOf("another seed", ["500", "503", "429"], 60);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const faulted = a.filter((status) => status !== 200).length;
    expect(faulted).toBeGreaterThan(15); // about half of 60
    expect(faulted).toBeLessThan(45);
    expect(new Set(a.filter((status) => status !== 200))).toEqual(new Set([500, 503, 429]));
  });

  it("rejects a bad configuration", async () => {
    await expect(startSandbox({ faults: { rate: 2 } })).rejects.toThrow(RangeError);
    await expect(startSandbox({ faults: { rate: 0.5, kinds: ["teapot" as FaultKind] } })).rejects.toThrow(RangeError);
  });
});

describe("faults never corrupt state", () => {
  it("a client retrying every send with its key under heavy faults stores each send exactly once", async () => {
    const faulty = await startSandbox({
      stepDelayMs: 60_000,
      faults: { rate: 0.6, seed: 7, kinds: [...FAULT_KINDS], lateMs: 20 },
    });
    const apiKey = freshKey();
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `retry-${i}`);
      const answers = await Promise.all(
        keys.map(async (key, i) => {
          for (let tries = 0; tries < 100; tries++) {
            try {
              const response = await fetch(`${faulty.url}/v1/messages`, {
                method: "POST",
                headers: {
                  authorization: `Bearer ${apiKey}`,
                  "content-type": "application/json",
                  "idempotency-key": key,
                },
                body: JSON.stringify({ ...send, metadata: { i: String(i) } }),
              });
              if (response.status === 202) return (await response.json()) as any;
              await response.arrayBuffer();
            } catch {
              // a reset: retry with the same key
            }
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          throw new Error(`send ${key} never succeeded`);
        }),
      );
      const stored = faulty.messages();
      expect(stored).toHaveLength(keys.length);
      expect(new Set(stored.map((message) => message.idempotencyKey))).toEqual(new Set(keys));
      // Every client saw the one message stored under its key.
      for (const [i, answer] of answers.entries())
        expect(answer.id).toBe(stored.find((message) => message.idempotencyKey === keys[i])!.id);
      const counters = faulty.requests;
      expect(Object.values(counters.faults).reduce((sum, n) => sum + (n ?? 0), 0)).toBeGreaterThan(10);
    } finally {
      await faulty.close();
    }
  });
});

describe("rate limiter (section 2)", () => {
  it("429 rate_limited with Retry-After past the limit, per key; the 429 is not stored", async () => {
    // A window long enough for four requests on a busy machine.
    const limited = await startSandbox({ rateLimit: { limit: 3, windowSeconds: 1.5 } });
    try {
      const apiKey = freshKey();
      const api = client(limited.url, apiKey);
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const reply = await api.get("/v1/messages");
        expect(reply.status).toBe(200);
        expect(reply.headers.get("x-ratelimit-limit")).toBe("3");
        remaining.push(reply.headers.get("x-ratelimit-remaining"));
      }
      expect(remaining).toEqual(["2", "1", "0"]);
      const key = "limited-send";
      const over = await api.post("/v1/messages", send, { idempotencyKey: key });
      expectError(over, 429, "rate_limited");
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(Number(over.headers.get("retry-after")))).toBe(true);
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
      // Another key has its own window.
      expect((await client(limited.url, freshKey()).get("/v1/messages")).status).toBe(200);
      // Once the window is over, the same send (same key) runs for the first time.
      const later = await waitFor(
        async () => {
          const reply = await api.post("/v1/messages", send, { idempotencyKey: key });
          return reply.status === 429 ? undefined : reply;
        },
        5000,
        "the window to reset",
      );
      expect(later.status).toBe(202);
      expect(later.headers.get("idempotent-replayed")).toBeNull();
    } finally {
      await limited.close();
    }
  });
});

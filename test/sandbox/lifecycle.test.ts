// Section 9 and section 10 (lifecycle): test-mode messages move on their own and emit their
// events; scheduled messages wait; magic recipients fail, bounce (then are suppressed), or are
// refused; cancel stops the lifecycle; live mode delivers nothing.
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { LIVE_KEY, client, expectError, freshKey, waitFor } from "./helpers.ts";

const STEP_MS = 25;
let sandbox: Sandbox;
let receiver: http.Server;
let receiverUrl = "";
const received: { path: string; event: any }[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: STEP_MS, isolateKeys: true });
  receiver = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", event: JSON.parse(raw) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Polls GET /v1/messages/{id} until it reaches `status`. */
async function until(api: ReturnType<typeof client>, id: string, status: string): Promise<any> {
  return waitFor(
    async () => {
      const reply = await api.get(`/v1/messages/${id}`);
      return reply.json.status === status ? reply.json : undefined;
    },
    5000,
    `${id} to become ${status}`,
  );
}

const historyOf = (id: string) =>
  sandbox
    .messages()
    .find((message) => message.id === id)!
    .history.map((entry) => entry.status);

describe("test mode", () => {
  it("queued → sent → delivered on its own, emitting message.queued, .sent, .delivered", async () => {
    const api = client(sandbox.url, freshKey());
    await api.post("/v1/webhook_endpoints", { url: `${receiverUrl}/a`, events: ["*"] });
    const sent = await api.post("/v1/messages", {
      to: "user@example.com",
      content: { type: "email", subject: "s", html: "h" },
    });
    expect(sent.json.status).toBe("queued");
    const delivered = await until(api, sent.json.id, "delivered");
    expect(delivered.error).toBeNull();
    expect(delivered.updated_at > delivered.created_at).toBe(true);
    expect(historyOf(sent.json.id)).toEqual(["queued", "sent", "delivered"]);
    const events = await waitFor(() => {
      const mine = received.filter((entry) => entry.path === "/a");
      return mine.length === 3 ? mine.map((entry) => entry.event.type).sort() : undefined;
    });
    expect(events).toEqual(["message.delivered", "message.queued", "message.sent"]);
  });

  it("a scheduled message waits for its time, then emits message.queued and goes on", async () => {
    const api = client(sandbox.url, freshKey());
    await api.post("/v1/webhook_endpoints", {
      url: `${receiverUrl}/b`,
      events: ["message.scheduled", "message.queued"],
    });
    const at = Date.now() + 300;
    const sent = await api.post("/v1/messages", {
      to: "+15555550123",
      content: { type: "sms", body: "x" },
      scheduled_at: new Date(at).toISOString(),
    });
    expect(sent.json.status).toBe("scheduled");
    expect((await api.get(`/v1/messages/${sent.json.id}`)).json.status).toBe("scheduled");
    await until(api, sent.json.id, "delivered");
    expect(Date.now()).toBeGreaterThanOrEqual(at + 2 * STEP_MS);
    expect(historyOf(sent.json.id)).toEqual(["scheduled", "queued", "sent", "delivered"]);
    const types = await waitFor(() => {
      const mine = received.filter((entry) => entry.path === "/b");
      return mine.length === 2 ? mine.map((entry) => entry.event.type) : undefined;
    });
    expect(types.sort()).toEqual(["message.queued", "message.scheduled"]);
  });

  it("magic recipients: failed with undeliverable", async () => {
    const api = client(sandbox.url, freshKey());
    for (const send of [
      { to: "fail@senderkit.test", content: { type: "email", subject: "s", html: "h" } },
      { to: "+15005550002", content: { type: "sms", body: "x" } },
    ]) {
      const sent = await api.post("/v1/messages", send);
      const failed = await until(api, sent.json.id, "failed");
      expect(failed.error).toEqual({ code: "undeliverable", message: expect.any(String) });
      expect(historyOf(sent.json.id)).toEqual(["queued", "sent", "failed"]);
    }
  });

  it("magic recipients: bounced with hard_bounce, and then suppressed", async () => {
    const api = client(sandbox.url, freshKey());
    for (const [to, content, again] of [
      ["bounce@senderkit.test", { type: "email", subject: "s", html: "h" }, "BOUNCE@senderkit.test"],
      ["+15005550003", { type: "sms", body: "x" }, "+15005550003"],
    ] as const) {
      const sent = await api.post("/v1/messages", { to, content });
      // Until it has bounced, the recipient is not suppressed yet.
      const bounced = await until(api, sent.json.id, "bounced");
      expect(bounced.error).toEqual({ code: "hard_bounce", message: expect.any(String) });
      expect(historyOf(sent.json.id)).toEqual(["queued", "sent", "bounced"]);
      expectError(await api.post("/v1/messages", { to: again, content }), 422, "recipient_suppressed");
    }
    // Suppression belongs to the account (and mode) that saw the bounce.
    const other = client(sandbox.url, freshKey());
    expect(
      (
        await other.post("/v1/messages", {
          to: "bounce@senderkit.test",
          content: { type: "email", subject: "s", html: "h" },
        })
      ).status,
    ).toBe(202);
  });

  it("suppressed@senderkit.test is refused on every send", async () => {
    const api = client(sandbox.url, freshKey());
    expectError(
      await api.post("/v1/messages", {
        to: "suppressed@senderkit.test",
        content: { type: "email", subject: "s", html: "h" },
      }),
      422,
      "recipient_suppressed",
    );
    const batch = await api.post("/v1/messages/batch", {
      messages: [{ to: "suppressed@senderkit.test", content: { type: "email", subject: "s", html: "h" } }],
    });
    expect(batch.json.data[0]).toMatchObject({ ok: false, error: { code: "recipient_suppressed" } });
  });

  it("a cancelled message stays cancelled and emits message.cancelled", async () => {
    const api = client(sandbox.url, freshKey());
    await api.post("/v1/webhook_endpoints", {
      url: `${receiverUrl}/c`,
      events: ["message.cancelled", "message.queued"],
    });
    const sent = await api.post("/v1/messages", {
      to: "+15555550123",
      content: { type: "sms", body: "x" },
      scheduled_at: new Date(Date.now() + 150).toISOString(),
    });
    expect((await api.post(`/v1/messages/${sent.json.id}/cancel`)).json.status).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 150 + 3 * STEP_MS));
    expect((await api.get(`/v1/messages/${sent.json.id}`)).json.status).toBe("cancelled");
    expect(historyOf(sent.json.id)).toEqual(["scheduled", "cancelled"]);
    const types = await waitFor(() => {
      const mine = received.filter((entry) => entry.path === "/c");
      return mine.length >= 1 ? mine.map((entry) => entry.event.type) : undefined;
    });
    expect(types).toEqual(["message.cancelled"]);
  });
});

describe("live mode", () => {
  it("delivers nothing: a live message stays queued; magic recipients are ordinary", async () => {
    const api = client(sandbox.url, LIVE_KEY);
    const sent = await api.post("/v1/messages", {
      to: "fail@senderkit.test",
      content: { type: "email", subject: "s", html: "h" },
    });
    expect(sent.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 4 * STEP_MS));
    expect((await api.get(`/v1/messages/${sent.json.id}`)).json.status).toBe("queued");
    expect(
      (
        await api.post("/v1/messages", {
          to: "suppressed@senderkit.test",
          content: { type: "email", subject: "s", html: "h" },
        })
      ).status,
    ).toBe(202);
  });
});

describe("close", () => {
  // A step that queued the next step while the queue was firing used to arm a second timer that
  // close() did not know of; it then fired on an emptied queue and re-armed itself every 1 ms
  // (a NaN delay) forever, so the process never exited.
  it("leaves no timer behind once messages have moved mid-lifecycle (the process can exit)", async () => {
    const index = new URL("../../sandbox/index.ts", import.meta.url).href;
    const script = `
      const { startSandbox } = await import(${JSON.stringify(index)});
      const sandbox = await startSandbox({ stepDelayMs: 50 });
      const reply = await fetch(sandbox.url + "/v1/messages", {
        method: "POST",
        headers: { authorization: "Bearer ${LIVE_KEY.replace("live", "test")}", "content-type": "application/json" },
        body: JSON.stringify({ to: "+15555550123", content: { type: "sms", body: "x" } }),
      });
      if (reply.status !== 202) throw new Error("send failed: " + reply.status);
      await new Promise((resolve) => setTimeout(resolve, 70)); // queued → sent has run, sent → delivered is pending
      await sandbox.close();
      // setImmediate: a timer's own callback still counts it as active.
      setTimeout(() => setImmediate(() => process.stdout.write(JSON.stringify(process.getActiveResourcesInfo()))), 200);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    const [code, signal] = await once(child, "exit");
    clearTimeout(killer);
    expect(stderr).not.toContain("TimeoutNaNWarning");
    expect(JSON.parse(stdout)).not.toContain("Timeout");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});

// Section 8 and section 10 (webhooks): endpoint CRUD, secret rotation, and real signed deliveries
// to a local node:http receiver, verified here with node:crypto independently of our code.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { signWebhook } from "../../src/webhooks.ts";
import { ISO_TIME, LIVE_KEY, client, expectError, expectMessageShape, freshKey, waitFor } from "./helpers.ts";

// ---------------------------------------------------------------------------------------
// An independent reading of the signature scheme (section 8).

function hmacHex(secret: string, t: string, rawBody: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(`${t}.`)
    .update(Buffer.from(rawBody, "utf8"))
    .digest("hex");
}

function parseSignature(header: string): { t: string; v1: string[] } {
  const parts = header.split(",").map((part) => part.split("=") as [string, string]);
  const t = parts.filter(([key]) => key === "t").map(([, value]) => value);
  expect(t).toHaveLength(1);
  return { t: t[0]!, v1: parts.filter(([key]) => key === "v1").map(([, value]) => value) };
}

function verifies(secret: string, header: string, rawBody: string): boolean {
  const { t, v1 } = parseSignature(header);
  const expected = Buffer.from(hmacHex(secret, t, rawBody), "utf8");
  return v1.some(
    (candidate) => candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate, "utf8"), expected),
  );
}

describe("the section 8 test vector", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const body =
    '{"id":"evt_7Yt2QpLm9XwZ","type":"message.delivered","created_at":"2026-11-22T10:00:00.000Z","payload":{"message":{"object":"message","id":"msg_9aZk2Lm4Qp8Rt1Vw","status":"delivered"}}}';
  const v1 = "346070d881a8910e42558be08eace921cad25ebe38c77c073527615c86c14874";

  it("matches the scheme computed with node:crypto", () => {
    expect(hmacHex(secret, "1763805600", body)).toBe(v1);
  });

  it("matches the signer the sandbox uses", () => {
    expect(signWebhook(secret, body, { timestamp: 1763805600 })).toBe(`t=1763805600,v1=${v1}`);
  });
});

// ---------------------------------------------------------------------------------------
// A local receiver that records what it gets and answers from a script of status codes.

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  at: number;
}

class Receiver {
  readonly received: Received[] = [];
  /** Per path, status codes to answer with in turn; when used up (or none), 200. */
  readonly scripts = new Map<string, number[]>();
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.received.push({
        path: req.url ?? "",
        headers: req.headers,
        raw: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      const status = this.scripts.get(req.url ?? "")?.shift() ?? 200;
      res.writeHead(status, status >= 300 && status < 400 ? { location: "/elsewhere" } : {});
      res.end();
    });
  });
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  forPath(path: string): Received[] {
    return this.received.filter((entry) => entry.path === path);
  }
}

let sandbox: Sandbox;
let receiver: Receiver;
beforeAll(async () => {
  sandbox = await startSandbox({
    stepDelayMs: 20,
    isolateKeys: true,
    webhooks: { retryDelaysMs: [30, 30, 30], timeoutMs: 2000 },
  });
  receiver = new Receiver();
  await receiver.start();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

let pathCounter = 0;
/** A fresh account and a receiver path of its own. */
function setup() {
  const path = `/hook/${++pathCounter}`;
  return { api: client(sandbox.url, freshKey()), path, url: receiver.url + path };
}

const smsSend = { to: "+15555550123", content: { type: "sms", body: "hi" } };

describe("webhook endpoints", () => {
  it("create answers 201 with the secret; it can never be read again", async () => {
    const { api, url } = setup();
    const created = await api.post("/v1/webhook_endpoints", {
      url,
      events: ["message.delivered", "message.failed"],
      description: "prod receiver",
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.json)).toEqual([
      "object",
      "id",
      "url",
      "events",
      "description",
      "enabled",
      "created_at",
      "updated_at",
      "secret",
    ]);
    expect(created.json).toMatchObject({
      object: "webhook_endpoint",
      url,
      events: ["message.delivered", "message.failed"],
      description: "prod receiver",
      enabled: true,
    });
    expect(created.json.id).toMatch(/^we_[A-Za-z0-9]{12}$/);
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(created.json.created_at).toMatch(ISO_TIME);

    const got = await api.get(`/v1/webhook_endpoints/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).not.toHaveProperty("secret");
    const list = await api.get("/v1/webhook_endpoints");
    expect(list.json.data).toHaveLength(1);
    expect(list.json.data[0]).not.toHaveProperty("secret");
    const patched = await api.patch(`/v1/webhook_endpoints/${created.json.id}`, { enabled: false, description: "off" });
    expect(patched.json).toMatchObject({ enabled: false, description: "off" });
    expect(patched.json).not.toHaveProperty("secret");
    expect((await api.delete(`/v1/webhook_endpoints/${created.json.id}`)).status).toBe(204);
    expectError(await api.get(`/v1/webhook_endpoints/${created.json.id}`), 404, "webhook_endpoint_not_found");
    expectError(
      await api.patch(`/v1/webhook_endpoints/${created.json.id}`, { enabled: true }),
      404,
      "webhook_endpoint_not_found",
    );
    expectError(await api.delete(`/v1/webhook_endpoints/${created.json.id}`), 404, "webhook_endpoint_not_found");
    expectError(
      await api.post(`/v1/webhook_endpoints/${created.json.id}/rotate_secret`, {}),
      404,
      "webhook_endpoint_not_found",
    );
  });

  it("lists newest first with a cursor", async () => {
    const { api, url } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.post("/v1/webhook_endpoints", { url, events: ["*"] })).json.id);
    const page1 = await api.get("/v1/webhook_endpoints?limit=2");
    expect(page1.json.data.map((endpoint: any) => endpoint.id)).toEqual([ids[2], ids[1]]);
    const page2 = await api.get(`/v1/webhook_endpoints?limit=2&cursor=${page1.json.next_cursor}`);
    expect(page2.json.data.map((endpoint: any) => endpoint.id)).toEqual([ids[0]]);
    expect(page2.json.next_cursor).toBeNull();
  });

  it("422 invalid_url: https only, http://localhost and 127.0.0.1 in test mode only, on the parsed host", async () => {
    const { api } = setup();
    for (const url of [
      "http://example.com/hook",
      "ftp://example.com",
      "not a url",
      "http://localhost.evil.com/x",
      `https://e.com/${"x".repeat(2048)}`,
      42,
      ["https://e.com"],
    ]) {
      const error = expectError(await api.post("/v1/webhook_endpoints", { url, events: ["*"] }), 422, "invalid_url");
      expect(error.issues[0].path).toEqual(["url"]);
    }
    for (const url of ["https://example.com/hook", "http://localhost:3000/x", "http://127.0.0.1/x"]) {
      expect((await api.post("/v1/webhook_endpoints", { url, events: ["*"] })).status).toBe(201);
    }
    const live = client(sandbox.url, LIVE_KEY);
    expectError(
      await live.post("/v1/webhook_endpoints", { url: "http://localhost:3000/x", events: ["*"] }),
      422,
      "invalid_url",
    );
    expect((await live.post("/v1/webhook_endpoints", { url: "https://example.com/x", events: ["*"] })).status).toBe(
      201,
    );
  });

  it("422 invalid_events; 400 for a missing url or events and for other fields' types", async () => {
    const { api, url } = setup();
    for (const events of [[], ["message.opened"], ["*", "message.sent"], "message.sent", [1]]) {
      expectError(await api.post("/v1/webhook_endpoints", { url, events }), 422, "invalid_events");
    }
    // Each missing field is reported once; null is missing too.
    const required = (field: string) => ({ path: [field], message: "required" });
    expect(expectError(await api.post("/v1/webhook_endpoints", {}), 400, "invalid_parameter").issues).toEqual([
      required("url"),
      required("events"),
    ]);
    expect(
      expectError(await api.post("/v1/webhook_endpoints", { url: null, events: null }), 400, "invalid_parameter")
        .issues,
    ).toEqual([required("url"), required("events")]);
    expect(
      expectError(await api.post("/v1/webhook_endpoints", { events: ["*"] }), 400, "invalid_parameter").issues,
    ).toEqual([required("url")]);
    expect(expectError(await api.post("/v1/webhook_endpoints", { url }), 400, "invalid_parameter").issues).toEqual([
      required("events"),
    ]);
    expect(
      expectError(
        await api.post("/v1/webhook_endpoints", { url: null, events: ["*"], colour: "red" }),
        400,
        "invalid_parameter",
      ).issues,
    ).toEqual([{ path: ["colour"], message: "unknown parameter" }, required("url")]);
    expectError(
      await api.post("/v1/webhook_endpoints", { url, events: ["*"], enabled: "yes" }),
      400,
      "invalid_parameter",
    );
    expectError(
      await api.post("/v1/webhook_endpoints", { url, events: ["*"], secret: "whsec_mine" }),
      400,
      "invalid_parameter",
    );
    const created = await api.post("/v1/webhook_endpoints", { url, events: ["*"] });
    expectError(
      await api.patch(`/v1/webhook_endpoints/${created.json.id}`, { url: "http://example.com" }),
      422,
      "invalid_url",
    );
    expectError(await api.patch(`/v1/webhook_endpoints/${created.json.id}`, { events: [] }), 422, "invalid_events");
  });

  it("rotate_secret answers the new secret, bumps updated_at, and checks its parameter", async () => {
    const { api, url } = setup();
    const created = await api.post("/v1/webhook_endpoints", { url, events: ["*"] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rotated = await api.post(`/v1/webhook_endpoints/${created.json.id}/rotate_secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(rotated.json.secret).not.toBe(created.json.secret);
    expect(rotated.json.updated_at > created.json.updated_at).toBe(true);
    for (const seconds of [-1, 604_801, 1.5, "60"]) {
      expectError(
        await api.post(`/v1/webhook_endpoints/${created.json.id}/rotate_secret`, {
          expire_previous_after_seconds: seconds,
        }),
        400,
        "invalid_parameter",
      );
    }
    expect(
      (
        await api.post(`/v1/webhook_endpoints/${created.json.id}/rotate_secret`, {
          expire_previous_after_seconds: 604_800,
        })
      ).status,
    ).toBe(200);
  });
});

describe("deliveries", () => {
  it("POSTs each event of the lifecycle, signed; the signature verifies with the contract's scheme", async () => {
    const { api, path, url } = setup();
    const endpoint = await api.post("/v1/webhook_endpoints", { url, events: ["*"] });
    const sent = await api.post("/v1/messages", smsSend);
    const received = await waitFor(
      () => (receiver.forPath(path).length >= 3 ? receiver.forPath(path) : undefined),
      5000,
      "three deliveries",
    );
    const events = received.map((entry) => JSON.parse(entry.raw));
    expect(events.map((event) => event.type).sort()).toEqual(["message.delivered", "message.queued", "message.sent"]);
    for (const [index, entry] of received.entries()) {
      const event = events[index];
      expect(entry.headers["content-type"]).toBe("application/json");
      expect(entry.headers["x-senderkit-event-id"]).toBe(event.id);
      expect(event.id).toMatch(/^evt_[A-Za-z0-9]{12}$/);
      expect(Object.keys(event)).toEqual(["id", "type", "created_at", "payload"]);
      expect(Object.keys(event.payload)).toEqual(["message"]);
      expectMessageShape(event.payload.message);
      expect(event.payload.message.id).toBe(sent.json.id);
      expect(`message.${event.payload.message.status}`).toBe(event.type);
      const signature = String(entry.headers["x-senderkit-signature"]);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(Math.abs(Number(parseSignature(signature).t) - entry.at / 1000)).toBeLessThan(5);
      expect(verifies(endpoint.json.secret, signature, entry.raw)).toBe(true);
      expect(verifies("whsec_wrongwrongwrongwrongwrongwrong12", signature, entry.raw)).toBe(false);
    }
    const deliveries = await waitFor(() => {
      const mine = sandbox.deliveries().filter((delivery) => delivery.endpointId === endpoint.json.id);
      return mine.length === 3 && mine.every((delivery) => delivery.status === "succeeded") ? mine : undefined;
    });
    expect(deliveries.every((delivery) => delivery.attempts.length === 1 && delivery.statusCode === 200)).toBe(true);
  });

  it("sends only subscribed events to enabled endpoints", async () => {
    const { api, path, url } = setup();
    await api.post("/v1/webhook_endpoints", { url, events: ["message.delivered"] });
    await api.post("/v1/webhook_endpoints", { url: url + "/off", events: ["*"], enabled: false });
    const sent = await api.post("/v1/messages", smsSend);
    await waitFor(() =>
      sandbox.messages().find((message) => message.id === sent.json.id && message.status === "delivered"),
    );
    const received = await waitFor(() => (receiver.forPath(path).length >= 1 ? receiver.forPath(path) : undefined));
    await new Promise((resolve) => setTimeout(resolve, 50)); // nothing else is on its way
    expect(receiver.forPath(path).map((entry) => JSON.parse(entry.raw).type)).toEqual(["message.delivered"]);
    expect(received).toHaveLength(1);
    expect(receiver.forPath(`${path}/off`)).toHaveLength(0);
  });

  it("retries a non-2xx answer (3xx included) with the same event id, signing each attempt anew", async () => {
    const { api, path, url } = setup();
    const endpoint = await api.post("/v1/webhook_endpoints", { url, events: ["message.queued"] });
    receiver.scripts.set(path, [500, 302, 200]);
    await api.post("/v1/messages", smsSend);
    const received = await waitFor(() => (receiver.forPath(path).length >= 3 ? receiver.forPath(path) : undefined));
    expect(new Set(received.map((entry) => entry.headers["x-senderkit-event-id"])).size).toBe(1);
    for (const entry of received)
      expect(verifies(endpoint.json.secret, String(entry.headers["x-senderkit-signature"]), entry.raw)).toBe(true);
    const delivery = await waitFor(() =>
      sandbox.deliveries().find((d) => d.endpointId === endpoint.json.id && d.status === "succeeded"),
    );
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 302, 200]);
  });

  it("gives up after the last retry, and stops retrying once the endpoint is disabled", async () => {
    const { api, path, url } = setup();
    const failing = await api.post("/v1/webhook_endpoints", { url, events: ["message.queued"] });
    receiver.scripts.set(path, [500, 500, 500, 500, 500]);
    await api.post("/v1/messages", smsSend);
    const failed = await waitFor(() =>
      sandbox.deliveries().find((d) => d.endpointId === failing.json.id && d.status === "failed"),
    );
    expect(failed.attempts).toHaveLength(4); // the first attempt and three retries
    expect(receiver.forPath(path)).toHaveLength(4);

    const { api: api2, path: path2, url: url2 } = setup();
    const endpoint = await api2.post("/v1/webhook_endpoints", { url: url2, events: ["message.queued"] });
    receiver.scripts.set(path2, [500, 500, 500, 500, 500]);
    await api2.post("/v1/messages", smsSend);
    await waitFor(() => (receiver.forPath(path2).length >= 1 ? true : undefined));
    await api2.patch(`/v1/webhook_endpoints/${endpoint.json.id}`, { enabled: false });
    const abandoned = await waitFor(() =>
      sandbox.deliveries().find((d) => d.endpointId === endpoint.json.id && d.status === "abandoned"),
    );
    expect(abandoned.attempts.length).toBeLessThan(4);
    expect(receiver.forPath(path2)).toHaveLength(abandoned.attempts.length);
  });

  it("during a rotation, deliveries carry one v1 per live secret, newest first; 0 expires the old one at once", async () => {
    const { api, path, url } = setup();
    const endpoint = await api.post("/v1/webhook_endpoints", { url, events: ["message.queued"] });
    const rotated = await api.post(`/v1/webhook_endpoints/${endpoint.json.id}/rotate_secret`, {});
    await api.post("/v1/messages", smsSend);
    const [overlap] = await waitFor(() => (receiver.forPath(path).length >= 1 ? receiver.forPath(path) : undefined));
    const signature = parseSignature(String(overlap!.headers["x-senderkit-signature"]));
    expect(signature.v1).toEqual([
      hmacHex(rotated.json.secret, signature.t, overlap!.raw),
      hmacHex(endpoint.json.secret, signature.t, overlap!.raw),
    ]);

    const again = await api.post(`/v1/webhook_endpoints/${endpoint.json.id}/rotate_secret`, {
      expire_previous_after_seconds: 0,
    });
    await api.post("/v1/messages", smsSend);
    const received = await waitFor(() => (receiver.forPath(path).length >= 2 ? receiver.forPath(path) : undefined));
    const single = parseSignature(String(received[1]!.headers["x-senderkit-signature"]));
    expect(single.v1).toEqual([hmacHex(again.json.secret, single.t, received[1]!.raw)]);
  });

  it("a later rotation may shorten an old secret's life, never extend it", async () => {
    const { api, path, url } = setup();
    const endpoint = await api.post("/v1/webhook_endpoints", { url, events: ["message.queued"] });
    const id = endpoint.json.id;
    const second = await api.post(`/v1/webhook_endpoints/${id}/rotate_secret`, { expire_previous_after_seconds: 1 });
    const third = await api.post(`/v1/webhook_endpoints/${id}/rotate_secret`, { expire_previous_after_seconds: 3600 });
    await api.post("/v1/messages", smsSend);
    const [first] = await waitFor(() => (receiver.forPath(path).length >= 1 ? receiver.forPath(path) : undefined));
    expect(parseSignature(String(first!.headers["x-senderkit-signature"])).v1).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the first secret's second is over
    await api.post("/v1/messages", smsSend);
    const received = await waitFor(() => (receiver.forPath(path).length >= 2 ? receiver.forPath(path) : undefined));
    const later = parseSignature(String(received[1]!.headers["x-senderkit-signature"]));
    expect(later.v1).toEqual([
      hmacHex(third.json.secret, later.t, received[1]!.raw),
      hmacHex(second.json.secret, later.t, received[1]!.raw),
    ]);
  });
});

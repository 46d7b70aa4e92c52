// The WebhookEndpoint provider's methods, called as the engine calls them, against the sandbox.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { SenderKit, SIGNATURE_HEADER, WebhookVerifier } from "../../src/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { webhookEndpointProvider } from "../../provider/webhook-endpoint.ts";
import type { WebhookEndpointInputs, WebhookEndpointOutputs } from "../../provider/webhook-endpoint.ts";
import { LIVE_KEY, TEST_KEY, configFor, startWebhookReceiver, uniqueSlug } from "./helpers.ts";
import { json, startScriptedServer } from "../helpers/scripted-server.ts";
import type { WebhookReceiver } from "./helpers.ts";

const provider = webhookEndpointProvider as Required<
  pulumi.dynamic.ResourceProvider<WebhookEndpointInputs, WebhookEndpointOutputs>
>;

const OUTPUT_KEYS = [
  "endpointId",
  "url",
  "events",
  "description",
  "enabled",
  "createdAt",
  "signingSecret",
  "secretVersion",
  "expirePreviousAfterSeconds",
].sort();
const SECRET = /^whsec_[A-Za-z0-9]{32}$/;

let sandbox: Sandbox;
let sk: SenderKit;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // A long lifecycle step: a send emits only message.queued while a test runs.
  sandbox = await startSandbox({ stepDelayMs: 60_000 });
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: sandbox.url, maxRetries: 0 });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await sk.close();
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await provider.configure(configFor(sandbox.url));
});

function endpoint(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: "https://example.com/hooks/senderkit", events: ["message.delivered", "message.failed"], ...overrides };
}

async function check(news: Record<string, unknown>, olds: Partial<WebhookEndpointInputs> = {}) {
  return provider.check(olds as WebhookEndpointInputs, news as unknown as WebhookEndpointInputs);
}

async function checkedInputs(
  news: Record<string, unknown>,
  olds: Partial<WebhookEndpointInputs> = {},
): Promise<WebhookEndpointInputs> {
  const result = await check(news, olds);
  expect(result.failures).toEqual([]);
  return result.inputs!;
}

async function createEndpoint(news: Record<string, unknown> = endpoint()) {
  const inputs = await checkedInputs(news);
  const created = await provider.create(inputs);
  return { id: created.id, inputs, outs: created.outs! };
}

describe("check", () => {
  it("fills in the defaults", async () => {
    expect(await checkedInputs(endpoint())).toEqual({
      ...endpoint(),
      description: "",
      enabled: true,
      secretVersion: 1,
      expirePreviousAfterSeconds: 86_400,
    });
  });

  it("names each bad property", async () => {
    const { failures } = await check({
      url: "ftp://example.com",
      events: ["message.opened"],
      description: 3,
      enabled: "yes",
      secretVersion: 0,
      expirePreviousAfterSeconds: 604_801,
    });
    expect(failures!.map((f) => f.property).sort()).toEqual(
      ["description", "enabled", "events", "expirePreviousAfterSeconds", "secretVersion", "url"].sort(),
    );
    expect(failures!.find((f) => f.property === "events")!.reason).toMatch(/unknown event type "message.opened"/);
  });

  it("allows http://localhost with a test key only", async () => {
    expect((await check(endpoint({ url: "http://localhost:3000/hooks" }))).failures).toEqual([]);
    await provider.configure(configFor(sandbox.url, LIVE_KEY));
    const { failures } = await check(endpoint({ url: "http://localhost:3000/hooks" }));
    expect(failures).toEqual([{ property: "url", reason: expect.stringMatching(/test mode only/) }]);
  });

  it("refuses to lower secretVersion, and says what to do", async () => {
    const { failures } = await check(endpoint({ secretVersion: 2 }), { secretVersion: 3 });
    expect(failures).toEqual([
      { property: "secretVersion", reason: expect.stringMatching(/was 3 and can only go up.*Keep 3/) },
    ]);
  });

  it("does not judge values still unknown during a preview", async () => {
    const unknown = pulumi.runtime.unknownValue;
    expect((await check(endpoint({ url: unknown, events: [unknown] }))).failures).toEqual([]);
  });
});

describe("create", () => {
  it("returns every output, the signing secret included", async () => {
    const { id, outs } = await createEndpoint(endpoint({ description: "orders" }));
    expect(Object.keys(outs).sort()).toEqual(OUTPUT_KEYS);
    expect(outs).toMatchObject({ endpointId: id, description: "orders", enabled: true, secretVersion: 1 });
    expect(outs.signingSecret).toMatch(SECRET);
    expect((await sk.webhookEndpoints.get(id)).description).toBe("orders");
  });

  it("fails with the API's words when the API rejects the endpoint", async () => {
    await provider.configure(configFor(sandbox.url, LIVE_KEY));
    // check lets it through only for a test key; the API (live key) refuses it.
    const inputs = { ...(await checkedInputs(endpoint())), url: "http://localhost:3000/x" };
    await expect(provider.create(inputs)).rejects.toThrow(/^creating webhook endpoint: .*test mode/);
  });
});

describe("diff", () => {
  it("reports no change for the same inputs, with no API call (a second `up` writes nothing)", async () => {
    const { id, inputs, outs } = await createEndpoint();
    const before = sandbox.requests.total;
    const diff = await provider.diff(id, outs, await checkedInputs(endpoint(), inputs));
    expect(diff.changes).toBe(false);
    expect(sandbox.requests.total).toBe(before);
  });

  it("does not count a new order of the events as a change", async () => {
    const { id, outs } = await createEndpoint();
    const reordered = await checkedInputs(endpoint({ events: ["message.failed", "message.delivered"] }));
    expect((await provider.diff(id, outs, reordered)).changes).toBe(false);
  });

  it("updates in place, never replaces, for every property", async () => {
    const { id, outs } = await createEndpoint();
    for (const change of [
      { url: "https://example.com/other" },
      { events: ["*"] },
      { description: "new" },
      { enabled: false },
      { secretVersion: 2 },
    ]) {
      expect(await provider.diff(id, outs, await checkedInputs(endpoint(change)))).toEqual({
        changes: true,
        replaces: [],
      });
    }
  });

  it("ignores expirePreviousAfterSeconds alone (it only matters for a rotation)", async () => {
    const { id, outs } = await createEndpoint();
    expect(
      (await provider.diff(id, outs, await checkedInputs(endpoint({ expirePreviousAfterSeconds: 60 })))).changes,
    ).toBe(false);
  });
});

describe("update", () => {
  it("keeps the signing secret through every update that is not a rotation", async () => {
    const { id, outs } = await createEndpoint();
    let olds = outs;
    for (const change of [
      { description: "v2" },
      { events: ["*"] },
      { enabled: false },
      { url: "https://example.com/moved" },
    ]) {
      const updated = await provider.update(id, olds, await checkedInputs(endpoint({ ...change })));
      expect(Object.keys(updated.outs!).sort()).toEqual(OUTPUT_KEYS);
      expect(updated.outs!.signingSecret).toBe(outs.signingSecret);
      olds = updated.outs!;
    }
    expect(olds).toMatchObject({
      endpointId: id,
      url: "https://example.com/moved",
      enabled: true,
      events: expect.any(Array),
    });
    expect(await sk.webhookEndpoints.get(id)).toMatchObject({
      url: "https://example.com/moved",
      events: outs.events,
      enabled: true,
    });
  });

  it("rotates on a raised secretVersion, in place, and the old secret still verifies during the overlap", async () => {
    const slug = uniqueSlug("rotation");
    await sk.templates.create({ slug, name: "Ping", channel: "sms", content: { body: "ping" } });
    const url = `${receiver.url}/${slug}`;
    const { id, outs } = await createEndpoint(endpoint({ url, events: ["message.queued"] }));

    const news = await checkedInputs(
      endpoint({ url, events: ["message.queued"], secretVersion: 2, expirePreviousAfterSeconds: 3600 }),
      outs,
    );
    const rotated = await provider.update(id, outs, news);
    expect(rotated.outs).toMatchObject({ endpointId: id, secretVersion: 2 });
    expect(rotated.outs!.signingSecret).toMatch(SECRET);
    expect(rotated.outs!.signingSecret).not.toBe(outs.signingSecret);

    const message = await sk.send(slug, "+15555550123");
    const delivery = await receiver.waitFor((d) => d.path === `/hooks/${slug}` && d.body.includes(message.id));
    const signature = delivery.headers[SIGNATURE_HEADER] as string;
    for (const secret of [outs.signingSecret!, rotated.outs!.signingSecret!]) {
      expect(new WebhookVerifier({ secret }).verify(delivery.body, signature).type).toBe("message.queued");
    }

    // The rotated secret is then kept like any other.
    const later = await provider.update(
      id,
      rotated.outs!,
      await checkedInputs(endpoint({ ...news, description: "after" }), news),
    );
    expect(later.outs!.signingSecret).toBe(rotated.outs!.signingSecret);
  });

  it("fails a rotation whose answer carries no new secret, instead of dropping the secret from state", async () => {
    const { id, outs } = await createEndpoint();
    // A server that answers rotate_secret with the endpoint but no secret.
    const stripping = await startScriptedServer((req, res) => {
      const endpointBody = {
        object: "webhook_endpoint",
        id,
        url: outs.url,
        events: outs.events,
        description: "",
        enabled: true,
        created_at: "2026-11-22T10:00:00.000Z",
        updated_at: "2026-11-22T10:00:00.000Z",
      };
      json(res, req.path.endsWith("/rotate_secret") ? 200 : 404, endpointBody);
    });
    try {
      await provider.configure(configFor(stripping.url));
      const news = await checkedInputs(endpoint({ secretVersion: 2 }), outs);
      await expect(provider.update(id, outs, news)).rejects.toThrow(/no new signing secret; raise secretVersion again/);
    } finally {
      await stripping.close();
    }
  });

  it("with an overlap of 0 the old secret stops verifying at once", async () => {
    const slug = uniqueSlug("rotation-now");
    await sk.templates.create({ slug, name: "Ping", channel: "sms", content: { body: "ping" } });
    const url = `${receiver.url}/${slug}`;
    const { id, outs } = await createEndpoint(endpoint({ url, events: ["message.queued"] }));
    const news = await checkedInputs(
      endpoint({ url, events: ["message.queued"], secretVersion: 2, expirePreviousAfterSeconds: 0 }),
    );
    const rotated = await provider.update(id, outs, news);

    const message = await sk.send(slug, "+15555550123");
    const delivery = await receiver.waitFor((d) => d.path === `/hooks/${slug}` && d.body.includes(message.id));
    const signature = delivery.headers[SIGNATURE_HEADER] as string;
    expect(new WebhookVerifier({ secret: rotated.outs!.signingSecret! }).verify(delivery.body, signature).type).toBe(
      "message.queued",
    );
    expect(() => new WebhookVerifier({ secret: outs.signingSecret! }).verify(delivery.body, signature)).toThrow(
      /no signature matches/,
    );
  });

  it("changes the properties before rotating, so a failed update loses no secret", async () => {
    const { id, outs } = await createEndpoint();
    await sk.webhookEndpoints.delete(id);
    const news = await checkedInputs(endpoint({ description: "x", secretVersion: 2 }));
    const rotationsBefore = sandbox.requests.total;
    await expect(provider.update(id, outs, news)).rejects.toThrow(
      new RegExp(`^updating webhook endpoint ${id}: .+\\(request req_`),
    );
    // Only the PATCH was sent (404): no rotate_secret after it.
    expect(sandbox.requests.total).toBe(rotationsBefore + 1);
  });
});

describe("read (refresh)", () => {
  it("shows an edit made outside Pulumi as drift and keeps the secret from the state", async () => {
    const { id, inputs, outs } = await createEndpoint();
    await sk.webhookEndpoints.update(id, { enabled: false, description: "paused by hand" });
    const read = await provider.read(id, outs);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({
      enabled: false,
      description: "paused by hand",
      signingSecret: outs.signingSecret,
      secretVersion: 1,
    });
    expect(await provider.diff(id, read.props!, inputs)).toEqual({ changes: true, replaces: [] });
    const restored = await provider.update(id, read.props!, inputs);
    expect(restored.outs).toMatchObject({ enabled: true, description: "", signingSecret: outs.signingSecret });
  });

  it("returns no id for an endpoint deleted outside Pulumi", async () => {
    const { id, outs } = await createEndpoint();
    await sk.webhookEndpoints.delete(id);
    expect((await provider.read(id, outs)).id).toBeUndefined();
  });
});

describe("delete", () => {
  it("deletes the endpoint, and succeeds when it is already gone (404)", async () => {
    const { id, outs } = await createEndpoint();
    await provider.delete(id, outs);
    await expect(sk.webhookEndpoints.get(id)).rejects.toThrow();
    const before = sandbox.requests.byStatus[404] ?? 0;
    await expect(provider.delete(id, outs)).resolves.toBeUndefined();
    expect(sandbox.requests.byStatus[404]).toBe(before + 1);
  });

  it("fails on other errors", async () => {
    const { id, outs } = await createEndpoint();
    await provider.configure(configFor(sandbox.url, TEST_KEY, { "senderkit:retryBudgetSeconds": "0" }));
    sandbox.failNext("500");
    await expect(provider.delete(id, outs)).rejects.toThrow(new RegExp(`^deleting webhook endpoint ${id}`));
    expect((await sk.webhookEndpoints.get(id)).id).toBe(id);
  });
});

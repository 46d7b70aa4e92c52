// The engine sequences real teams run, over the engine protocol (the dynamic-provider plugin from
// @pulumi/pulumi, driven over gRPC as the engine drives it) against the sandbox: refresh then
// `ignoreChanges`, a rename with `adopt`, a create whose answer was lost, a large `up` under the
// rate limit, and `import:` / `.get()`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { SenderKit, SIGNATURE_HEADER, WebhookVerifier } from "../../src/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { templateProvider } from "../../provider/template.ts";
import { webhookEndpointProvider } from "../../provider/webhook-endpoint.ts";
import { REPO_ROOT, secretValue, startProviderPlugin, urnOf } from "./engine-harness.ts";
import type { ProviderPlugin, Properties } from "./engine-harness.ts";
import { TEST_KEY, startGateway, startWebhookReceiver, uniqueSlug } from "./helpers.ts";
import type { WebhookReceiver } from "./helpers.ts";

const TEMPLATE_TYPE = "pulumi-nodejs:dynamic/senderkit:Template";
const ENDPOINT_TYPE = "pulumi-nodejs:dynamic/senderkit:WebhookEndpoint";
const SECRET = /^whsec_[A-Za-z0-9]{32}$/;

/** The hidden input the resource classes register: the resource's URN. */
const identity = (name: string, type = TEMPLATE_TYPE) => urnOf(type, name);

function envWithoutSenderKit(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SENDERKIT_")));
}

async function pluginFor(baseUrl: string, extra: Record<string, string> = {}): Promise<ProviderPlugin> {
  const plugin = await startProviderPlugin({ cwd: REPO_ROOT, env: envWithoutSenderKit() });
  await plugin.configure({ "senderkit:apiKey": secretValue(TEST_KEY), "senderkit:baseUrl": baseUrl, ...extra });
  return plugin;
}

let sandbox: Sandbox;
let sk: SenderKit;
let plugin: ProviderPlugin;
let receiver: WebhookReceiver;
let templateText: string;
let endpointText: string;

beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 60_000 });
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: sandbox.url, maxRetries: 0 });
  receiver = await startWebhookReceiver();
  templateText = (await pulumi.runtime.serializeFunction(() => templateProvider)).text;
  endpointText = (await pulumi.runtime.serializeFunction(() => webhookEndpointProvider)).text;
  plugin = await pluginFor(sandbox.url);
});
afterAll(async () => {
  await plugin?.close();
  await receiver?.close();
  await sk?.close();
  await sandbox?.close();
});

function template(slug: string, overrides: Properties = {}): Properties {
  return {
    slug,
    name: "Welcome",
    channel: "email",
    content: { subject: "Hi {{ name }}", html: "<p>Hi {{ name }}</p>" },
    __identity: identity(slug),
    __provider: templateText,
    ...overrides,
  };
}

async function endpointsAt(url: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const endpoint of sk.webhookEndpoints.iter()) if (endpoint.url === url) ids.push(endpoint.id);
  return ids;
}

describe("refresh, then `up` with ignoreChanges", () => {
  it("keeps a template's content edited outside Pulumi: read returns the inputs, no write call", async () => {
    const slug = uniqueSlug("drift");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const program = template(slug);
    const { inputs } = await plugin.check(urn, {}, program);
    const created = await plugin.create(urn, inputs);

    const edited = { subject: "Edited", html: "<p>edited in the dashboard</p>" };
    await sk.templates.update(slug, { content: edited });

    // `pulumi refresh`: the state's inputs now hold what the server holds (no outputs among them).
    const refreshed = await plugin.read(urn, slug, created.properties);
    expect(refreshed.inputs).toMatchObject({ slug, name: "Welcome", content: edited, __identity: identity(slug) });
    expect(refreshed.inputs).not.toHaveProperty("version");
    // `pulumi preview` diffs the old inputs against the program's: `content` is what differs.
    expect(refreshed.inputs!.content).not.toEqual(inputs.content);

    // `pulumi up` with ignoreChanges: ["content"]: the engine fills `content` from the old inputs.
    const before = sandbox.requests.total;
    const ignoring = (await plugin.check(urn, refreshed.inputs!, { ...program, content: refreshed.inputs!.content }))
      .inputs;
    expect((await plugin.diff(urn, slug, refreshed.properties, ignoring)).changes).toBe("none");
    expect(sandbox.requests.total).toBe(before);
    expect((await sk.templates.get(slug)).currentVersion.content).toMatchObject(edited);

    // What broke before: with the stale inputs the same `up` would have written the old content back.
    const stale = (await plugin.check(urn, inputs, { ...program, content: inputs.content })).inputs;
    expect((await plugin.diff(urn, slug, refreshed.properties, stale)).changes).toBe("some");
  });

  it("keeps an endpoint's url edited outside Pulumi, and its secret", async () => {
    const urn = urnOf(ENDPOINT_TYPE, "drift-endpoint");
    const program = {
      url: "https://example.com/a",
      events: ["message.failed"],
      __identity: identity(uniqueSlug("ep")),
      __provider: endpointText,
    };
    const created = await plugin.create(urn, (await plugin.check(urn, {}, program)).inputs);
    await sk.webhookEndpoints.update(created.id, { url: "https://example.com/moved" });

    const refreshed = await plugin.read(urn, created.id, created.properties);
    expect(refreshed.inputs).toMatchObject({
      url: "https://example.com/moved",
      events: ["message.failed"],
      secretVersion: 1,
    });
    expect(refreshed.inputs).not.toHaveProperty("signingSecret");
    expect(refreshed.properties.signingSecret).toBe(created.properties.signingSecret);

    const before = sandbox.requests.total;
    const ignoring = (await plugin.check(urn, refreshed.inputs!, { ...program, url: refreshed.inputs!.url })).inputs;
    expect((await plugin.diff(urn, created.id, refreshed.properties, ignoring)).changes).toBe("none");
    expect(sandbox.requests.total).toBe(before);
  });
});

describe("a rename with adopt: true and no alias", () => {
  it("creates the new name (adopting the slug), then deleting the old name leaves the template in place", async () => {
    const slug = uniqueSlug("renamed");
    const oldUrn = urnOf(TEMPLATE_TYPE, "old-name");
    const newUrn = urnOf(TEMPLATE_TYPE, "new-name");
    const old = await plugin.create(
      oldUrn,
      (await plugin.check(oldUrn, {}, template(slug, { __identity: identity("old-name") }))).inputs,
    );

    // One deployment, one plugin process: create the new name first, then delete the old one.
    const renamed = template(slug, { adopt: true, __identity: identity("new-name") });
    const adopted = await plugin.create(newUrn, (await plugin.check(newUrn, {}, renamed)).inputs);
    expect(adopted).toMatchObject({ id: slug, properties: { version: 1, createdAt: old.properties.createdAt } });
    await plugin.delete(oldUrn, slug, old.properties);

    expect((await sk.templates.get(slug)).slug).toBe(slug);
    expect(plugin.stderr()).toContain(
      `template "${slug}" left in place: another resource of this deployment (new-name) created or adopted it`,
    );

    // The new name owns it: removing that resource does delete it.
    await plugin.delete(newUrn, slug, adopted.properties);
    await expect(sk.templates.get(slug)).rejects.toThrow(/no template with the slug/);
  });

  it("moving it into a component (same name, a parent in the URN) is a rename too: the template survives", async () => {
    const slug = uniqueSlug("moved");
    const oldUrn = urnOf(TEMPLATE_TYPE, "welcome");
    const movedUrn = urnOf(`acme:emails:Emails$${TEMPLATE_TYPE}`, "welcome");
    const old = await plugin.create(
      oldUrn,
      (await plugin.check(oldUrn, {}, template(slug, { __identity: oldUrn }))).inputs,
    );
    await plugin.create(
      movedUrn,
      (await plugin.check(movedUrn, {}, template(slug, { adopt: true, __identity: movedUrn }))).inputs,
    );
    await plugin.delete(oldUrn, slug, old.properties);
    expect((await sk.templates.get(slug)).slug).toBe(slug);
  });

  it("still deletes the old template when the new name declares another slug", async () => {
    const oldSlug = uniqueSlug("old-slug");
    const newSlug = uniqueSlug("new-slug");
    const oldUrn = urnOf(TEMPLATE_TYPE, "slug-a");
    const newUrn = urnOf(TEMPLATE_TYPE, "slug-b");
    const old = await plugin.create(
      oldUrn,
      (await plugin.check(oldUrn, {}, template(oldSlug, { __identity: identity("slug-a") }))).inputs,
    );
    await plugin.create(
      newUrn,
      (await plugin.check(newUrn, {}, template(newSlug, { adopt: true, __identity: identity("slug-b") }))).inputs,
    );
    await plugin.delete(oldUrn, oldSlug, old.properties);
    await expect(sk.templates.get(oldSlug)).rejects.toThrow();
    expect((await sk.templates.get(newSlug)).slug).toBe(newSlug);
  });
});

describe("a create whose answer was lost", () => {
  it("replays the endpoint in a fresh plugin process: one object on the server, its real secret returned", async () => {
    const gateway = await startGateway(
      sandbox.url,
      (method, path) => method === "POST" && path === "/v1/webhook_endpoints",
    );
    const url = `${receiver.url}/lost-${process.pid}`;
    const program = {
      url,
      events: ["message.queued"],
      __identity: identity("lost-endpoint"),
      __provider: endpointText,
    };
    const urn = urnOf(ENDPOINT_TYPE, "lost-endpoint");
    try {
      // The server commits, the gateway answers 502 to the create and to each retry, and the
      // retry budget runs out: the engine never gets the id.
      const first = await pluginFor(gateway.url, { "senderkit:retryBudgetSeconds": "1" });
      try {
        await expect(first.create(urn, (await first.check(urn, {}, program)).inputs)).rejects.toThrow(
          /creating webhook endpoint: .*502.*retried for \d+ s; the retry budget, senderkit:retryBudgetSeconds, is 1 s/,
        );
      } finally {
        await first.close();
      }
      expect(gateway.lost).toBeGreaterThanOrEqual(2);
      const committed = await endpointsAt(url);
      expect(committed).toHaveLength(1);

      // The next `up`, a fresh process: the same key replays the first answer.
      gateway.losing = false;
      const second = await pluginFor(gateway.url);
      let created: { id: string; properties: Properties };
      try {
        created = await second.create(urn, (await second.check(urn, {}, program)).inputs);
      } finally {
        await second.close();
      }
      expect(created.id).toBe(committed[0]);
      expect(await endpointsAt(url)).toEqual(committed);
      const secret = created.properties.signingSecret as string;
      expect(secret).toMatch(SECRET);

      // It is the secret that signs the endpoint's deliveries.
      const slug = uniqueSlug("lost-ping");
      await sk.templates.create({ slug, name: "Ping", channel: "sms", content: { body: "ping" } });
      const message = await sk.send(slug, "+15555550123");
      const delivery = await receiver.waitFor(
        (d) => d.path === `/hooks/lost-${process.pid}` && d.body.includes(message.id),
      );
      expect(
        new WebhookVerifier({ secret }).verify(delivery.body, delivery.headers[SIGNATURE_HEADER] as string).type,
      ).toBe("message.queued");
    } finally {
      await gateway.close();
    }
  });

  it("replays the template too, instead of failing on template_exists", async () => {
    const gateway = await startGateway(sandbox.url, (method, path) => method === "POST" && path === "/v1/templates");
    const slug = uniqueSlug("lost-template");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    try {
      const first = await pluginFor(gateway.url, { "senderkit:retryBudgetSeconds": "0" });
      try {
        await expect(first.create(urn, (await first.check(urn, {}, template(slug))).inputs)).rejects.toThrow(
          /creating template/,
        );
      } finally {
        await first.close();
      }
      expect((await sk.templates.get(slug)).slug).toBe(slug);
      gateway.losing = false;
      const second = await pluginFor(gateway.url);
      try {
        const created = await second.create(urn, (await second.check(urn, {}, template(slug))).inputs);
        expect(created).toMatchObject({ id: slug, properties: { version: 1, adopt: false } });
      } finally {
        await second.close();
      }
    } finally {
      await gateway.close();
    }
  });

  it("within one process, a connection reset after the commit is retried with the same key: one endpoint", async () => {
    const url = `https://example.com/reset-${process.pid}`;
    const urn = urnOf(ENDPOINT_TYPE, "reset");
    const program = { url, events: ["*"], __identity: identity("reset"), __provider: endpointText };
    const { inputs } = await plugin.check(urn, {}, program);
    sandbox.failNext("reset_after_commit");
    const created = await plugin.create(urn, inputs);
    expect(await endpointsAt(url)).toEqual([created.id]);
    expect(created.properties.signingSecret).toMatch(SECRET);
  });
});

describe("the retry budget", () => {
  it("fails at once, saying so, when a 429's Retry-After is longer than what is left of it", async () => {
    const strict = await pluginFor(sandbox.url, { "senderkit:retryBudgetSeconds": "0" });
    try {
      const slug = uniqueSlug("budget");
      const urn = urnOf(TEMPLATE_TYPE, slug);
      const { inputs } = await strict.check(urn, {}, template(slug));
      sandbox.failNext("429");
      await expect(strict.create(urn, inputs)).rejects.toThrow(
        new RegExp(
          `creating template "${slug}": .*retried for 0 s; the retry budget, senderkit:retryBudgetSeconds, is 0 s\\) \\(request req_`,
        ),
      );
      await expect(sk.templates.get(slug)).rejects.toThrow(/no template with the slug/);
    } finally {
      await strict.close();
    }
  });
});

describe("the same declaration created again within 24 hours, after a delete", () => {
  it("makes a new endpoint with a new secret, not a replay of the deleted one", async () => {
    const urn = urnOf(ENDPOINT_TYPE, "again");
    const program = {
      url: `https://example.com/again-${process.pid}`,
      events: ["*"],
      __identity: identity("again"),
      __provider: endpointText,
    };
    const { inputs } = await plugin.check(urn, {}, program);
    const first = await plugin.create(urn, inputs);
    await plugin.delete(urn, first.id, first.properties);
    const second = await plugin.create(urn, inputs);
    expect(second.id).not.toBe(first.id);
    expect(second.properties.signingSecret).not.toBe(first.properties.signingSecret);
    expect((await sk.webhookEndpoints.get(second.id)).id).toBe(second.id);
  });

  it("re-creates a deleted template, and a stored template_exists no longer blocks once the slug is free", async () => {
    const slug = uniqueSlug("again");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const { inputs } = await plugin.check(urn, {}, template(slug));
    const first = await plugin.create(urn, inputs);
    await plugin.delete(urn, slug, first.properties);
    const second = await plugin.create(urn, inputs);
    expect((await sk.templates.get(slug)).createdAt).toBe(second.properties.createdAt);

    // The slug taken by hand: the create fails (and the server stores that 409 under the key).
    const taken = uniqueSlug("taken");
    await sk.templates.create({ slug: taken, name: "By hand", channel: "sms", content: { body: "hi" } });
    const takenUrn = urnOf(TEMPLATE_TYPE, taken);
    const takenInputs = (await plugin.check(takenUrn, {}, template(taken))).inputs;
    await expect(plugin.create(takenUrn, takenInputs)).rejects.toThrow(/already exists.*adopt: true/);
    // The user deletes it and runs `up` again: the replayed 409 is stale, the create goes through.
    await sk.templates.delete(taken);
    expect((await plugin.create(takenUrn, takenInputs)).properties).toMatchObject({ slug: taken, channel: "email" });
  });
});

describe("import", () => {
  it("`import:` of an existing template: state matches the server, nothing written, the next `up` is a no-op", async () => {
    const slug = uniqueSlug("imported");
    const existing = await sk.templates.create({
      slug,
      name: "By hand",
      channel: "sms",
      content: { body: "Hi {{ name }}" },
    });
    const urn = urnOf(TEMPLATE_TYPE, slug);
    // What the Template class registers for `{ import: slug }` (see program.test.ts).
    const program = template(slug, {
      name: "By hand",
      channel: "sms",
      content: { body: "Hi {{ name }}" },
      __import: slug,
    });
    const { inputs, failures } = await plugin.check(urn, {}, program);
    expect(failures).toEqual([]);

    const writes = () => sandbox.requests.total;
    const before = writes();
    const imported = await plugin.create(urn, inputs);
    expect(writes() - before).toBe(1); // one GET
    expect(imported).toMatchObject({
      id: slug,
      properties: {
        slug,
        name: "By hand",
        channel: "sms",
        version: 1,
        createdAt: existing.createdAt,
        updatedAt: existing.updatedAt,
        variables: ["name"],
      },
    });

    const again = (await plugin.check(urn, inputs, program)).inputs;
    expect((await plugin.diff(urn, slug, imported.properties, again)).changes).toBe("none");
    expect(writes() - before).toBe(1);
  });

  it("fails an import whose declaration differs, naming the properties, and changes nothing", async () => {
    const slug = uniqueSlug("import-differs");
    await sk.templates.create({ slug, name: "By hand", channel: "sms", content: { body: "hi" } });
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const program = template(slug, { name: "Mine", channel: "sms", content: { body: "yo" }, __import: slug });
    await expect(plugin.create(urn, (await plugin.check(urn, {}, program)).inputs)).rejects.toThrow(
      new RegExp(`importing template "${slug}": the declaration differs .* in name, content`),
    );
    expect(await sk.templates.get(slug)).toMatchObject({ name: "By hand", currentVersion: { version: 1 } });
  });

  it("fails at check when the import names another slug, and at create when the template does not exist", async () => {
    const slug = uniqueSlug("import-missing");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const { failures } = await plugin.check(urn, {}, template(slug, { __import: "another-slug" }));
    expect(failures).toEqual([
      { property: "slug", reason: expect.stringContaining('import option names template "another-slug"') },
    ]);
    const { inputs } = await plugin.check(urn, {}, template(slug, { __import: slug }));
    await expect(plugin.create(urn, inputs)).rejects.toThrow(
      new RegExp(`importing template "${slug}": no template with the slug`),
    );
  });

  it("`import:` of an endpoint: no secret until secretVersion is raised, which rotates and returns one", async () => {
    const existing = await sk.webhookEndpoints.create({
      url: "https://example.com/imported",
      events: ["message.failed"],
    });
    const urn = urnOf(ENDPOINT_TYPE, "imported-endpoint");
    const program = {
      url: existing.url,
      events: ["message.failed"],
      __identity: identity("imported-endpoint"),
      __import: existing.id,
      __provider: endpointText,
    };
    const { inputs } = await plugin.check(urn, {}, program);
    const imported = await plugin.create(urn, inputs);
    expect(imported.id).toBe(existing.id);
    expect(imported.properties).not.toHaveProperty("signingSecret");

    const rotate = (await plugin.check(urn, inputs, { ...program, secretVersion: 2 })).inputs;
    const rotated = await plugin.update(urn, existing.id, imported.properties, rotate);
    expect(rotated.signingSecret).toMatch(SECRET);
    expect(rotated.signingSecret).not.toBe(existing.secret);
  });

  it("`.get()`: Read with only the provider in the properties returns the template and its inputs", async () => {
    const slug = uniqueSlug("got");
    await sk.templates.create({ slug, name: "Read only", channel: "sms", content: { body: "hi" } });
    const read = await plugin.read(urnOf(TEMPLATE_TYPE, slug), slug, { __provider: templateText });
    expect(read).toMatchObject({
      id: slug,
      properties: { name: "Read only", version: 1 },
      inputs: { slug, name: "Read only", adopt: false },
    });
  });
});

describe("a large `up` under the rate limit", () => {
  it("200 template creates at 5 requests per second all succeed", { timeout: 120_000 }, async () => {
    const limited = await startSandbox({ rateLimit: { limit: 5, windowSeconds: 1 } });
    const bulk = await pluginFor(limited.url);
    try {
      const slugs = Array.from({ length: 200 }, (_, i) => `bulk-${i}`);
      const checked = await Promise.all(
        slugs.map((slug) => bulk.check(urnOf(TEMPLATE_TYPE, slug), {}, template(slug))),
      );
      const results = await Promise.allSettled(
        checked.map(({ inputs }, i) => bulk.create(urnOf(TEMPLATE_TYPE, slugs[i]!), inputs)),
      );
      const failed = results
        .filter((r) => r.status === "rejected")
        .map((r) => String((r as PromiseRejectedResult).reason));
      expect(failed).toEqual([]);
      // The limit was really met, and waited out.
      expect(limited.requests.byStatus[429] ?? 0).toBeGreaterThan(0);
      expect(limited.requests.byStatus[201]).toBe(200);
    } finally {
      await bulk.close();
      await limited.close();
    }
  });
});

// The providers as the Pulumi engine runs them: the provider text made by Pulumi's own closure
// serialization, handed to the dynamic-provider plugin shipped in @pulumi/pulumi, driven over
// gRPC (Configure → Check → Diff → Create → Update → Read → Delete) against the sandbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { SenderKit } from "../../src/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { templateProvider } from "../../provider/template.ts";
import { webhookEndpointProvider } from "../../provider/webhook-endpoint.ts";
import { REPO_ROOT, secretValue, startProviderPlugin, urnOf } from "./engine-harness.ts";
import type { ProviderPlugin } from "./engine-harness.ts";
import { TEST_KEY, configFor, uniqueSlug } from "./helpers.ts";

const TEMPLATE_TYPE = "pulumi-nodejs:dynamic/senderkit:Template";
const ENDPOINT_TYPE = "pulumi-nodejs:dynamic/senderkit:WebhookEndpoint";
const SECRET = /^whsec_[A-Za-z0-9]{32}$/;

/** What `pulumi.dynamic.Resource` puts in `__provider`: the provider serialized by Pulumi. */
async function providerText(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<{ text: string; containsSecrets: boolean }> {
  const { text, containsSecrets } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text, containsSecrets };
}

/** The environment without SENDERKIT_*: the key must come through Configure. */
function envWithoutSenderKit(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SENDERKIT_")));
}

let sandbox: Sandbox;
let sk: SenderKit;
let plugin: ProviderPlugin;
let templateText: string;
let endpointText: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: sandbox.url, maxRetries: 0 });
  templateText = (await providerText(templateProvider)).text;
  endpointText = (await providerText(webhookEndpointProvider)).text;
  plugin = await startProviderPlugin({ cwd: REPO_ROOT, env: envWithoutSenderKit() });
  // The stack config as the engine sends it to the dynamic provider: every key, the key a secret.
  const { acceptSecrets } = await plugin.configure({
    "senderkit:apiKey": secretValue(TEST_KEY),
    "senderkit:baseUrl": sandbox.url,
    "senderkit-example:unrelated": "value",
  });
  // The dynamic provider takes no secrets: that is why the engine needs additionalSecretOutputs.
  expect(acceptSecrets).toBe(false);
});
afterAll(async () => {
  await plugin?.close();
  await sk?.close();
  await sandbox?.close();
});

describe("the serialized provider", () => {
  it("holds no API key and no secret, even after configure ran in the same process", async () => {
    await templateProvider.configure!(configFor(sandbox.url));
    await webhookEndpointProvider.configure!(configFor(sandbox.url));
    for (const provider of [templateProvider, webhookEndpointProvider]) {
      const { text, containsSecrets } = await providerText(provider);
      expect(containsSecrets).toBe(false);
      expect(text).not.toContain(TEST_KEY);
      expect(text).not.toContain("sk_test_");
      expect(text).not.toContain("whsec_");
    }
  });

  it("captures only where to load the operations from: no client, no module object", () => {
    expect(templateText).toContain('exportName: "templateOperations"');
    expect(templateText).toContain(`url: "${new URL("../../provider/template.ts", import.meta.url).href}"`);
    expect(templateText).not.toMatch(/new SenderKit|HttpClient|undici|zod|authorization|bearer/i);
    expect(templateText.length).toBeLessThan(6000);
  });
});

describe("a Template through the engine protocol", () => {
  it("checks, creates, diffs, updates, reads and deletes", async () => {
    const slug = uniqueSlug("engine");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const news = {
      slug,
      name: "Welcome",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: "<p>Hi {{ name }}</p>" },
      __provider: templateText,
    };

    const checked = await plugin.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ slug, description: "", adopt: false, __provider: templateText });

    const created = await plugin.create(urn, checked.inputs);
    expect(created.id).toBe(slug);
    expect(created.properties).toMatchObject({
      slug,
      version: 1,
      variables: ["name"],
      requiredVariables: ["name"],
      __provider: templateText,
    });

    // The second `up`: same program, no change, nothing written.
    const requestsBefore = sandbox.requests.total;
    const again = await plugin.check(urn, checked.inputs, news);
    expect(await plugin.diff(urn, slug, created.properties, again.inputs)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(sandbox.requests.total).toBe(requestsBefore);

    const renamed = (await plugin.check(urn, checked.inputs, { ...news, name: "Hello" })).inputs;
    expect(await plugin.diff(urn, slug, created.properties, renamed)).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await plugin.update(urn, slug, created.properties, renamed);
    expect(updated).toMatchObject({
      name: "Hello",
      version: 1,
      createdAt: created.properties.createdAt,
      __provider: templateText,
    });

    const moved = (await plugin.check(urn, renamed, { ...news, slug: `${slug}-b` })).inputs;
    expect((await plugin.diff(urn, slug, updated, moved)).replaces).toEqual(["slug"]);

    // Refresh: an edit made outside Pulumi shows up.
    await sk.templates.update(slug, { description: "edited by hand" });
    const refreshed = await plugin.read(urn, slug, updated);
    expect(refreshed.id).toBe(slug);
    expect(refreshed.properties).toMatchObject({ description: "edited by hand", name: "Hello" });

    await plugin.delete(urn, slug, refreshed.properties);
    await expect(sk.templates.get(slug)).rejects.toThrow();
    // Deleted outside Pulumi (here: already deleted): Read answers no id, Delete still succeeds.
    expect((await plugin.read(urn, slug, refreshed.properties)).id).toBe("");
    await plugin.delete(urn, slug, refreshed.properties);
  });

  it("reports a syntax error with the property, line and column at Check", async () => {
    const urn = urnOf(TEMPLATE_TYPE, "broken");
    const checked = await plugin.check(
      urn,
      {},
      {
        slug: "broken",
        name: "Broken",
        channel: "email",
        content: { subject: "Hi", html: "<p>\n{{ name | upper }}</p>" },
        __provider: templateText,
      },
    );
    expect(checked.failures).toEqual([
      { property: "content.html", reason: expect.stringMatching(/^line 2, column 1: invalid filter/) },
    ]);
  });

  it("fails Create with the reason when the slug exists and adopt is not set", async () => {
    const slug = uniqueSlug("engine-exists");
    await sk.templates.create({ slug, name: "By hand", channel: "sms", content: { body: "hi" } });
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const { inputs } = await plugin.check(
      urn,
      {},
      { slug, name: "Mine", channel: "sms", content: { body: "yo" }, __provider: templateText },
    );
    await expect(plugin.create(urn, inputs)).rejects.toThrow(/already exists.*adopt: true/);
    const adopted = await plugin.create(urn, { ...inputs, adopt: true });
    expect(adopted.properties).toMatchObject({ name: "Mine", version: 2, adopt: true });
  });
});

describe("a WebhookEndpoint through the engine protocol", () => {
  it("returns the signing secret from Create, keeps it through Update, rotates it only on a raised secretVersion", async () => {
    const urn = urnOf(ENDPOINT_TYPE, "orders");
    const news = {
      url: "https://example.com/hooks",
      events: ["message.delivered", "message.failed"],
      __provider: endpointText,
    };
    const checked = await plugin.check(urn, {}, news);
    expect(checked.failures).toEqual([]);

    const created = await plugin.create(urn, checked.inputs);
    const id = created.id;
    expect(id).toMatch(/^we_/);
    const secret = created.properties.signingSecret as string;
    expect(secret).toMatch(SECRET);

    // Reordered events are no change at all.
    const reordered = (
      await plugin.check(urn, checked.inputs, { ...news, events: ["message.failed", "message.delivered"] })
    ).inputs;
    expect((await plugin.diff(urn, id, created.properties, reordered)).changes).toBe("none");

    const described = (await plugin.check(urn, checked.inputs, { ...news, description: "orders service" })).inputs;
    expect(await plugin.diff(urn, id, created.properties, described)).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await plugin.update(urn, id, created.properties, described);
    expect(updated).toMatchObject({ endpointId: id, description: "orders service", signingSecret: secret });

    const rotate = (await plugin.check(urn, described, { ...news, description: "orders service", secretVersion: 2 }))
      .inputs;
    expect((await plugin.diff(urn, id, updated, rotate)).replaces).toEqual([]);
    const rotated = await plugin.update(urn, id, updated, rotate);
    expect(rotated).toMatchObject({ endpointId: id, secretVersion: 2 });
    expect(rotated.signingSecret).toMatch(SECRET);
    expect(rotated.signingSecret).not.toBe(secret);

    // Refresh keeps the secret the API will never show again.
    const refreshed = await plugin.read(urn, id, rotated);
    expect(refreshed).toMatchObject({
      id,
      properties: { signingSecret: rotated.signingSecret, description: "orders service" },
    });

    // Deleted outside Pulumi: Read answers no id; Delete of the gone endpoint succeeds.
    await sk.webhookEndpoints.delete(id);
    expect((await plugin.read(urn, id, rotated)).id).toBe("");
    await plugin.delete(urn, id, rotated);
  });

  it("refuses a lower secretVersion at Check", async () => {
    const urn = urnOf(ENDPOINT_TYPE, "lower");
    const olds = { url: "https://example.com/hooks", events: ["*"], secretVersion: 3, __provider: endpointText };
    const { failures } = await plugin.check(urn, olds, { ...olds, secretVersion: 1 });
    expect(failures.map((f) => f.property)).toEqual(["secretVersion"]);
  });
});

describe("credentials from the environment", () => {
  it("uses SENDERKIT_API_KEY and SENDERKIT_BASE_URL when the stack config has none", async () => {
    const envPlugin = await startProviderPlugin({
      cwd: REPO_ROOT,
      env: { ...envWithoutSenderKit(), SENDERKIT_API_KEY: TEST_KEY, SENDERKIT_BASE_URL: sandbox.url },
    });
    try {
      await envPlugin.configure({});
      const slug = uniqueSlug("env");
      const urn = urnOf(TEMPLATE_TYPE, slug);
      const { inputs } = await envPlugin.check(
        urn,
        {},
        { slug, name: "Env", channel: "sms", content: { body: "hi" }, __provider: templateText },
      );
      expect((await envPlugin.create(urn, inputs)).id).toBe(slug);
      expect((await sk.templates.get(slug)).name).toBe("Env");
    } finally {
      await envPlugin.close();
    }
  });

  it("fails with how to configure the key when there is none", async () => {
    const bare = await startProviderPlugin({ cwd: REPO_ROOT, env: envWithoutSenderKit() });
    try {
      await bare.configure({ "senderkit:baseUrl": sandbox.url });
      const urn = urnOf(TEMPLATE_TYPE, "nokey");
      const { inputs } = await bare.check(
        urn,
        {},
        { slug: "nokey", name: "x", channel: "sms", content: { body: "hi" }, __provider: templateText },
      );
      await expect(bare.create(urn, inputs)).rejects.toThrow(/pulumi config set --secret senderkit:apiKey/);
    } finally {
      await bare.close();
    }
  });
});

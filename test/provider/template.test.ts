// The Template provider's methods, called as the engine calls them, against the sandbox.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { SenderKit } from "../../src/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { templateProvider } from "../../provider/template.ts";
import type { TemplateInputs, TemplateOutputs } from "../../provider/template.ts";
import { REPO_ROOT } from "./engine-harness.ts";
import { TEST_KEY, configFor, stackConfig, uniqueSlug } from "./helpers.ts";

// The methods every dynamic provider must have are optional in Pulumi's interface.
const provider = templateProvider as Required<pulumi.dynamic.ResourceProvider<TemplateInputs, TemplateOutputs>>;

const OUTPUT_KEYS = [
  "slug",
  "name",
  "channel",
  "description",
  "content",
  "adopt",
  "version",
  "variables",
  "requiredVariables",
  "createdAt",
  "updatedAt",
].sort();

let sandbox: Sandbox;
let sk: SenderKit;

beforeAll(async () => {
  sandbox = await startSandbox();
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: sandbox.url, maxRetries: 0 });
});
afterAll(async () => {
  await sk.close();
  await sandbox.close();
});
beforeEach(async () => {
  await provider.configure(configFor(sandbox.url));
});

function welcome(slug: string, overrides: Partial<TemplateInputs> = {}): Record<string, unknown> {
  return {
    slug,
    name: "Welcome",
    channel: "email",
    content: { subject: "Welcome, {{ name }}", html: '<p>Hi {{ name }}, plan {{ user.plan | default: "free" }}</p>' },
    ...overrides,
  };
}

/** What the engine does for a new resource: check, then create with the checked inputs. */
async function checkedInputs(
  news: Record<string, unknown>,
  olds: Partial<TemplateInputs> = {},
): Promise<TemplateInputs> {
  const result = await provider.check(olds as TemplateInputs, news as unknown as TemplateInputs);
  expect(result.failures).toEqual([]);
  return result.inputs!;
}

async function createTemplate(
  news: Record<string, unknown>,
): Promise<{ inputs: TemplateInputs; outs: TemplateOutputs }> {
  const inputs = await checkedInputs(news);
  const created = await provider.create(inputs);
  expect(created.id).toBe(inputs.slug);
  return { inputs, outs: created.outs! };
}

describe("check", () => {
  it("fills in the defaults and accepts a valid template", async () => {
    const inputs = await checkedInputs(welcome("check-ok"));
    expect(inputs).toMatchObject({ slug: "check-ok", description: "", adopt: false });
  });

  it("names the property, and the line and column of a template syntax error", async () => {
    const news = welcome("check-syntax", { content: { subject: "Hi", html: "<p>\n  {{ name </p>" } });
    const { failures } = await provider.check({} as TemplateInputs, news as unknown as TemplateInputs);
    expect(failures).toEqual([
      { property: "content.html", reason: expect.stringMatching(/^line 2, column 3: unclosed placeholder/) },
    ]);
  });

  it("rejects a bad slug, an unknown channel, a missing name and a non-boolean adopt", async () => {
    const news = { slug: "Not A Slug", channel: "fax", content: {}, adopt: "yes" };
    const { failures } = await provider.check({} as TemplateInputs, news as unknown as TemplateInputs);
    expect(failures!.map((f) => f.property).sort()).toEqual(["adopt", "channel", "name", "slug"]);
  });

  it("rejects content fields the channel does not have", async () => {
    const news = welcome("check-fields", { channel: "sms", content: { body: "hi", subject: "no" } });
    const { failures } = await provider.check({} as TemplateInputs, news as unknown as TemplateInputs);
    expect(failures!.map((f) => f.property)).toEqual(["content.subject"]);
  });

  it("does not judge values still unknown during a preview", async () => {
    const unknown = pulumi.runtime.unknownValue;
    const whole = welcome("check-unknown", { content: unknown as never });
    expect((await provider.check({} as TemplateInputs, whole as unknown as TemplateInputs)).failures).toEqual([]);
    const field = welcome("check-unknown", { content: { subject: "Hi", html: unknown } });
    expect((await provider.check({} as TemplateInputs, field as unknown as TemplateInputs)).failures).toEqual([]);
    const slug = welcome(unknown);
    expect((await provider.check({} as TemplateInputs, slug as unknown as TemplateInputs)).failures).toEqual([]);
  });
});

describe("create", () => {
  it("creates version 1 and returns every output", async () => {
    const slug = uniqueSlug("create");
    const { outs } = await createTemplate(welcome(slug, { description: "first mail" }));
    expect(Object.keys(outs).sort()).toEqual(OUTPUT_KEYS);
    expect(outs).toMatchObject({
      slug,
      name: "Welcome",
      channel: "email",
      description: "first mail",
      adopt: false,
      version: 1,
      variables: ["name", "user.plan"],
      requiredVariables: ["name"],
    });
    expect((await sk.templates.get(slug)).name).toBe("Welcome");
  });

  it("fails on an existing slug without adopt, and says how to take it over", async () => {
    const slug = uniqueSlug("exists");
    await sk.templates.create({ slug, name: "Made by hand", channel: "email", content: { subject: "a", html: "b" } });
    const inputs = await checkedInputs(welcome(slug));
    await expect(provider.create(inputs)).rejects.toThrow(/already exists.*adopt: true/);
    expect((await sk.templates.get(slug)).name).toBe("Made by hand");
  });

  it("adopts an existing slug with adopt: true and brings it to the declared state", async () => {
    const slug = uniqueSlug("adopt");
    await sk.templates.create({
      slug,
      name: "Made by hand",
      channel: "email",
      description: "old",
      content: { subject: "a", html: "b" },
    });
    const { outs } = await createTemplate(welcome(slug, { adopt: true }));
    expect(outs).toMatchObject({
      slug,
      name: "Welcome",
      description: "",
      adopt: true,
      version: 2,
      requiredVariables: ["name"],
    });
    const live = await sk.templates.get(slug);
    expect(live).toMatchObject({ name: "Welcome", description: "" });
    expect(live.currentVersion.content).toMatchObject({ subject: "Welcome, {{ name }}" });
  });

  it("adopting a template that already matches makes no new version", async () => {
    const slug = uniqueSlug("adopt-same");
    const declared = welcome(slug, { adopt: true });
    await sk.templates.create({
      slug,
      name: "Welcome",
      channel: "email",
      content: declared.content as Record<string, unknown>,
    });
    const { outs } = await createTemplate(declared);
    expect(outs.version).toBe(1);
  });

  it("refuses to adopt a template on another channel", async () => {
    const slug = uniqueSlug("adopt-channel");
    await sk.templates.create({ slug, name: "Text", channel: "sms", content: { body: "hi" } });
    const inputs = await checkedInputs(welcome(slug, { adopt: true }));
    await expect(provider.create(inputs)).rejects.toThrow(/exists on the sms channel.*cannot be changed/);
    expect((await sk.templates.get(slug)).channel).toBe("sms");
  });

  it("fails with a clear message when no API key is configured", async () => {
    const saved = process.env.SENDERKIT_API_KEY;
    delete process.env.SENDERKIT_API_KEY;
    try {
      await provider.configure({ config: stackConfig({ "senderkit:baseUrl": sandbox.url }) });
      const inputs = await checkedInputs(welcome(uniqueSlug("nokey")));
      await expect(provider.create(inputs)).rejects.toThrow(/pulumi config set --secret senderkit:apiKey/);
    } finally {
      if (saved !== undefined) process.env.SENDERKIT_API_KEY = saved;
    }
  });

  it("surfaces an API failure with the template and the request id", async () => {
    await provider.configure(configFor(sandbox.url, TEST_KEY, { "senderkit:retryBudgetSeconds": "0" }));
    const inputs = await checkedInputs(welcome(uniqueSlug("five-hundred")));
    sandbox.failNext("500");
    await expect(provider.create(inputs)).rejects.toThrow(
      /^creating template "five-hundred-[\d-]+": .*\(request req_[0-9a-f]{24}\)$/,
    );
  });
});

describe("diff", () => {
  it("reports no change for the same inputs, with no API call (a second `up` writes nothing)", async () => {
    const slug = uniqueSlug("second-up");
    const { inputs, outs } = await createTemplate(welcome(slug));
    const before = sandbox.requests.total;
    // The second `up`: check with the old inputs, then diff against the stored outputs.
    const again = await checkedInputs(welcome(slug), inputs);
    const diff = await provider.diff(slug, outs, again);
    expect(diff.changes).toBe(false);
    expect(sandbox.requests.total).toBe(before);
  });

  it("treats an absent optional content field like the API's null", async () => {
    const slug = uniqueSlug("null-text");
    const { outs } = await createTemplate(welcome(slug));
    const withNull = { ...outs, content: { ...outs.content, text: null } };
    expect((await provider.diff(slug, withNull, await checkedInputs(welcome(slug)))).changes).toBe(false);
  });

  it("updates in place for name, description and content", async () => {
    const slug = uniqueSlug("diff-update");
    const { outs } = await createTemplate(welcome(slug));
    for (const change of [
      { name: "Hello" },
      { description: "new" },
      { content: { subject: "Yo", html: "<p>yo</p>" } },
    ]) {
      const diff = await provider.diff(slug, outs, await checkedInputs(welcome(slug, change)));
      expect(diff).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("ignores a change of adopt alone (it only matters when creating)", async () => {
    const slug = uniqueSlug("diff-adopt");
    const { outs } = await createTemplate(welcome(slug));
    expect((await provider.diff(slug, outs, await checkedInputs(welcome(slug, { adopt: true })))).changes).toBe(false);
  });

  it("replaces on a new slug, creating the new one first", async () => {
    const slug = uniqueSlug("diff-slug");
    const { outs } = await createTemplate(welcome(slug));
    const diff = await provider.diff(slug, outs, await checkedInputs(welcome(`${slug}-2`)));
    expect(diff).toEqual({ changes: true, replaces: ["slug"], deleteBeforeReplace: false });
  });

  it("replaces on a new channel, deleting first since the slug stays", async () => {
    const slug = uniqueSlug("diff-channel");
    const { outs } = await createTemplate(welcome(slug));
    const diff = await provider.diff(
      slug,
      outs,
      await checkedInputs(welcome(slug, { channel: "sms", content: { body: "hi" } })),
    );
    expect(diff).toEqual({ changes: true, replaces: ["channel"], deleteBeforeReplace: true });
  });

  it("counts an unknown value as a change (and an unknown slug as a replacement)", async () => {
    const slug = uniqueSlug("diff-unknown");
    const { outs } = await createTemplate(welcome(slug));
    const unknown = pulumi.runtime.unknownValue;
    const content = await provider.diff(slug, outs, { ...outs, content: { subject: unknown, html: "x" } });
    expect(content).toMatchObject({ changes: true, replaces: [] });
    expect((await provider.diff(slug, outs, { ...outs, slug: unknown })).replaces).toEqual(["slug"]);
  });
});

describe("update", () => {
  it("changes the name without a new version, and returns every output", async () => {
    const slug = uniqueSlug("update-name");
    const { outs } = await createTemplate(welcome(slug));
    const updated = await provider.update(
      slug,
      outs,
      await checkedInputs(welcome(slug, { name: "Hello", description: "d" })),
    );
    expect(Object.keys(updated.outs!).sort()).toEqual(OUTPUT_KEYS);
    expect(updated.outs).toMatchObject({ name: "Hello", description: "d", version: 1, createdAt: outs.createdAt });
  });

  it("makes a new version when the content changed", async () => {
    const slug = uniqueSlug("update-content");
    const { outs } = await createTemplate(welcome(slug));
    const news = await checkedInputs(
      welcome(slug, { content: { subject: "Bye {{ name }}", html: "<p>{{ reason }}</p>" } }),
    );
    const updated = await provider.update(slug, outs, news);
    expect(updated.outs).toMatchObject({
      version: 2,
      variables: ["name", "reason"],
      requiredVariables: ["name", "reason"],
    });
    expect((await sk.templates.get(slug)).currentVersion.version).toBe(2);
  });

  it("fails, naming the template, when it was deleted outside Pulumi", async () => {
    const slug = uniqueSlug("update-gone");
    const { outs } = await createTemplate(welcome(slug));
    await sk.templates.delete(slug);
    await expect(provider.update(slug, outs, await checkedInputs(welcome(slug, { name: "x" })))).rejects.toThrow(
      new RegExp(`^updating template "${slug}": .+\\(request req_`),
    );
  });
});

describe("read (refresh)", () => {
  it("returns the live state, so an edit made outside Pulumi shows as drift and the next update undoes it", async () => {
    const slug = uniqueSlug("drift");
    const { inputs, outs } = await createTemplate(welcome(slug));
    await sk.templates.update(slug, { name: "Edited by hand", content: { subject: "Hand", html: "<p>made</p>" } });

    const read = await provider.read(slug, outs);
    expect(read.id).toBe(slug);
    expect(read.props).toMatchObject({
      name: "Edited by hand",
      version: 2,
      content: { subject: "Hand", html: "<p>made</p>" },
    });

    const diff = await provider.diff(slug, read.props!, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const restored = await provider.update(slug, read.props!, inputs);
    expect(restored.outs).toMatchObject({ name: "Welcome", version: 3, content: inputs.content });
  });

  it("keeps adopt from the state", async () => {
    const slug = uniqueSlug("read-adopt");
    const { outs } = await createTemplate(welcome(slug, { adopt: true }));
    expect((await provider.read(slug, outs)).props?.adopt).toBe(true);
  });

  it("returns no id for a template deleted outside Pulumi", async () => {
    const slug = uniqueSlug("read-gone");
    const { outs } = await createTemplate(welcome(slug));
    await sk.templates.delete(slug);
    const read = await provider.read(slug, outs);
    expect(read.id).toBeUndefined();
  });
});

describe("delete", () => {
  it("deletes the template, and succeeds when it is already gone (404)", async () => {
    const slug = uniqueSlug("delete");
    const { outs } = await createTemplate(welcome(slug));
    await provider.delete(slug, outs);
    await expect(sk.templates.get(slug)).rejects.toThrow(/template/);
    const before = sandbox.requests.byStatus[404] ?? 0;
    await expect(provider.delete(slug, outs)).resolves.toBeUndefined();
    expect(sandbox.requests.byStatus[404]).toBe(before + 1);
  });

  it("fails on other errors (the template is then still there)", async () => {
    const slug = uniqueSlug("delete-fail");
    const { outs } = await createTemplate(welcome(slug));
    await provider.configure(configFor(sandbox.url, TEST_KEY, { "senderkit:retryBudgetSeconds": "0" }));
    sandbox.failNext("503");
    await expect(provider.delete(slug, outs)).rejects.toThrow(new RegExp(`^deleting template "${slug}"`));
    expect((await sk.templates.get(slug)).slug).toBe(slug);
  });
});

describe("the example templates (examples/templates)", () => {
  it("pass check and deploy, each at version 1 with its variables", async () => {
    const dir = path.join(REPO_ROOT, "examples", "templates");
    const files = fs.readdirSync(dir).filter((name) => /\.(ya?ml|json)$/i.test(name));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const { slug, name: title, channel, description, content } = parse(fs.readFileSync(path.join(dir, name), "utf8"));
      const isolated = `${slug}-${process.pid}`;
      const { outs } = await createTemplate({ slug: isolated, name: title, channel, description, content });
      expect(outs, name).toMatchObject({ version: 1, channel, description });
      expect(outs.variables.length, name).toBeGreaterThan(0);
      // A second `up` of the same file changes nothing.
      const again = await checkedInputs({ slug: isolated, name: title, channel, description, content });
      expect((await provider.diff(isolated, outs, again)).changes, name).toBe(false);
    }
  });
});

describe("a large up under the rate limit", () => {
  it("waits out 429s instead of failing", async () => {
    const limited = await startSandbox({ rateLimit: { limit: 3, windowSeconds: 1 } });
    try {
      await provider.configure(configFor(limited.url));
      const slugs = Array.from({ length: 12 }, (_, i) => `bulk-${i}`);
      const created = await Promise.all(slugs.map(async (slug) => provider.create(await checkedInputs(welcome(slug)))));
      expect(created.map((c) => c.id)).toEqual(slugs);
      // The limit was really hit, and every call got through anyway.
      expect(limited.requests.byStatus[429]).toBeGreaterThan(0);
    } finally {
      await provider.configure(configFor(sandbox.url));
      await limited.close();
    }
  });
});

// The TemplateFiles component under Pulumi's mocks: what it asks the engine to register (read from
// the RegisterResource requests the SDK sends), and that a broken folder registers nothing and
// fails the program with the findings at file:line:column, as a Pulumi program sees it: an
// unhandled rejection, which the Pulumi runtime prints and exits on.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { TemplateFiles, TEMPLATE_FILES_TYPE } from "../../provider/index.ts";
import { extractBlocks } from "../docs/readme-blocks.ts";
import { REPO_ROOT } from "./engine-harness.ts";
import { TEST_KEY } from "./helpers.ts";

const PROJECT = "template-files";
const TEMPLATE_TYPE = "pulumi-nodejs:dynamic/senderkit:Template";
const EXAMPLES = path.join(REPO_ROOT, "examples", "templates");

interface Registration {
  type: string;
  name: string;
  parent: string;
  inputs: Record<string, unknown>;
  aliases: unknown[];
}
const registrations: Registration[] = [];
let tmp: string;

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** A folder of files (name → text) under the test's temp dir. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

const sms = (slug: string, body = "Your code is {{ code }}") =>
  `slug: ${slug}\nname: Code ${slug}\nchannel: sms\ndescription: The ${slug} code.\ncontent:\n  body: "${body}"\n` +
  `fixtures:\n  one:\n    code: "123456"\n`;

/** Registrations that belong to component `name`: itself and its children. */
async function registeredBy(component: TemplateFiles, name: string): Promise<Registration[]> {
  const urn = await valueOf(component.urn);
  await valueOf(component.versions);
  return registrations.filter((r) => r.parent === urn || (r.type === TEMPLATE_FILES_TYPE && r.name === name));
}

/**
 * The error a component fails the program with. Vitest's own listeners are set aside meanwhile,
 * since an unhandled rejection is how a Pulumi program fails here.
 */
async function failureOf(make: () => unknown): Promise<Error> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const caught: unknown[] = [];
  process.on("unhandledRejection", (reason) => caught.push(reason));
  try {
    make();
    await vi.waitFor(() => expect(caught.length).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const listener of saved) process.on("unhandledRejection", listener);
  }
  // Every rejection is the one error, so the Pulumi runtime reports it once.
  expect(new Set(caught).size).toBe(1);
  const error = caught[0] as Error;
  expect(pulumi.RunError.isInstance(error)).toBe(true);
  return error;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "senderkit-template-files-"));
  pulumi.runtime.setAllConfig({ "senderkit:apiKey": TEST_KEY }, ["senderkit:apiKey"]);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === TEMPLATE_TYPE) Object.assign(state, { version: 1, requiredVariables: ["code"] });
        return { id: args.type === TEMPLATE_TYPE ? String(args.inputs.slug) : undefined, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "dev",
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      inputs: req.getObject()?.toJavaScript() ?? {},
      aliases: req.getAliasesList().map((alias) => alias.toObject()),
    });
    return register(req, callback);
  };
});

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getAliasesList(): { toObject(): unknown }[];
}

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("TemplateFiles", () => {
  it("registers one Template per file, named by slug, under the component, with the file's definition", async () => {
    const dir = folder("two", {
      "a-code.yml": sms("a-code"),
      "b-alert.json": JSON.stringify({
        slug: "b-alert",
        name: "Alert",
        channel: "push",
        content: { title: "Alert", body: "{{ what }} is down", data: { kind: "alert" } },
        fixtures: { down: { what: "api" } },
      }),
      // Quoted: a bare 123 would be a number in YAML.
      "c-number.yml": sms('"123"'),
      "notes.txt": "not a template file",
    });
    const component = new TemplateFiles("two", { dir, adopt: true });
    const registered = await registeredBy(component, "two");
    const componentUrn = await valueOf(component.urn);
    expect(componentUrn).toBe(`urn:pulumi:dev::${PROJECT}::${TEMPLATE_FILES_TYPE}::two`);
    const templates = registered.filter((r) => r.type === TEMPLATE_TYPE);
    expect(templates.map((t) => t.name).sort()).toEqual(["123", "a-code", "b-alert"]);
    const byName = (name: string) => templates.find((t) => t.name === name)!;
    expect(byName("a-code").inputs).toMatchObject({
      slug: "a-code",
      name: "Code a-code",
      channel: "sms",
      description: "The a-code code.",
      content: { body: "Your code is {{ code }}" },
      adopt: true,
      __identity: `urn:pulumi:dev::${PROJECT}::${TEMPLATE_FILES_TYPE}$${TEMPLATE_TYPE}::a-code`,
    });
    // Fixtures are for lint and previews: never sent to the API.
    expect(byName("a-code").inputs).not.toHaveProperty("fixtures");
    expect(byName("b-alert").inputs).toMatchObject({
      slug: "b-alert",
      channel: "push",
      description: "",
      content: { title: "Alert", body: "{{ what }} is down", data: { kind: "alert" } },
    });
    // In file order, though a record would put the integer-like slug first.
    expect(await valueOf(component.slugs)).toEqual(["a-code", "b-alert", "123"]);
    expect(await valueOf(component.versions)).toEqual({ "a-code": 1, "b-alert": 1, "123": 1 });
    const files = await valueOf(component.files);
    expect(files["a-code"]).toBe(path.relative(process.cwd(), path.join(dir, "a-code.yml")));
    const byslug = await valueOf(component.templates);
    expect(await valueOf(byslug["b-alert"]!.urn)).toContain("::b-alert");
  });

  it("takes globs with exclusions, and options for each Template", async () => {
    const dir = folder("globs", { "keep.yml": sms("glob-keep"), "skip.yml": sms("glob-skip") });
    const component = new TemplateFiles("globs", {
      patterns: [`${dir}/*.yml`, `!${dir}/skip.yml`],
      root: dir,
      templateOptions: (slug) => ({ aliases: [{ name: `old-${slug}` }], parent: pulumi.rootStackResource }),
    });
    const templates = (await registeredBy(component, "globs")).filter((r) => r.type === TEMPLATE_TYPE);
    expect(templates.map((t) => t.name)).toEqual(["glob-keep"]);
    // The option is passed on; `parent` stays the component.
    expect(JSON.stringify(templates[0]!.aliases)).toContain("old-glob-keep");
    expect(templates[0]!.parent).toBe(await valueOf(component.urn));
  });

  it("names a globbed file outside the root, and how to allow it", async () => {
    const dir = folder("elsewhere", { "far.yml": sms("elsewhere-far") });
    const error = await failureOf(
      () => new TemplateFiles("elsewhere", { patterns: [`${dir}/*.yml`], root: REPO_ROOT }),
    );
    const far = path.relative(process.cwd(), path.join(dir, "far.yml"));
    expect(error.message).toContain(`${far}:1:1: error: outside the root`);
    expect(error.message).toContain("set `root` to a folder that holds it (file-unreadable)");
  });

  it("a broken file fails the program at its file:line:column, and nothing is registered", async () => {
    const dir = folder("broken", {
      "good.yml": sms("broken-good"),
      "bad.yml": "slug: broken-bad\nname: Bad\nchannel: sms\ncontent:\n  body: Hi {{ name\n",
    });
    const before = registrations.length;
    const error = await failureOf(() => new TemplateFiles("broken", { dir }));
    const bad = path.relative(process.cwd(), path.join(dir, "bad.yml"));
    expect(error.message).toContain(`TemplateFiles "broken": 1 problem in the template files`);
    expect(error.message).toMatch(new RegExp(`${escape(bad)}:5:12: error: content\\.body: .*\\(template-syntax\\)`));
    expect(registrations.slice(before)).toEqual([]);
  });

  it("refuses two files with one slug, naming both", async () => {
    const dir = folder("dupes", { "first.yml": sms("dupe"), "second.yml": `# again\n${sms("dupe")}` });
    const before = registrations.length;
    const error = await failureOf(() => new TemplateFiles("dupes", { dir }));
    const first = path.relative(process.cwd(), path.join(dir, "first.yml"));
    const second = path.relative(process.cwd(), path.join(dir, "second.yml"));
    expect(error.message).toContain(`${second}:2:7: error: slug "dupe" is also used by ${first}:1:7 (duplicate-slug)`);
    expect(registrations.slice(before)).toEqual([]);
  });

  it("refuses a file that is a symlink out of the root, as the core's reader does", async () => {
    const outside = folder("outside", { "secret.yml": sms("outside-secret") });
    const dir = folder("linked", { "ok.yml": sms("linked-ok") });
    fs.symlinkSync(path.join(outside, "secret.yml"), path.join(dir, "link.yml"));
    const before = registrations.length;
    const error = await failureOf(() => new TemplateFiles("linked", { dir }));
    const link = path.relative(process.cwd(), path.join(dir, "link.yml"));
    expect(error.message).toContain(
      `${link}:1:1: error: skipped: it resolves (through a symlink) outside the workspace`,
    );
    expect(registrations.slice(before)).toEqual([]);
  });

  it('logs warnings on the component and still deploys; failOn: "warning" fails on them', async () => {
    const email = "slug: warned\nname: Warned\nchannel: email\ncontent:\n  subject: Hi\n  html: <p>Hi</p>\n";
    const dir = folder("warned", { "warned.yml": email });
    const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
    try {
      const component = new TemplateFiles("warned", { dir });
      const templates = (await registeredBy(component, "warned")).filter((r) => r.type === TEMPLATE_TYPE);
      expect(templates.map((t) => t.name)).toEqual(["warned"]);
      const file = path.relative(process.cwd(), path.join(dir, "warned.yml"));
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`^${escape(file)}:\\d+:\\d+: warning: .*\\(email-text-missing\\)$`)),
        component,
      );
    } finally {
      warn.mockRestore();
    }
    const error = await failureOf(() => new TemplateFiles("warned-strict", { dir, failOn: "warning" }));
    expect(error.message).toContain("(email-text-missing)");
  });

  it("refuses bad arguments at once, naming the field", () => {
    const before = registrations.length;
    expect(() => new TemplateFiles("both", { dir: "a", patterns: ["b"] })).toThrow(
      'TemplateFiles "both": give `dir` (a folder of template files) or `patterns` (globs), exactly one of them',
    );
    expect(() => new TemplateFiles("rule", { dir: "a", disable: ["sms-encodin"] })).toThrow(
      'disable[0]: unknown rule "sms-encodin"; did you mean "sms-encoding"?',
    );
    expect(() => new TemplateFiles("shape", { dir: "a", disable: ["shape"] })).toThrow(/"shape" cannot be turned off/);
    expect(() => new TemplateFiles("fail", { dir: "a", failOn: "warn" as "warning" })).toThrow(
      'failOn: expected "error", "warning" or "never", got "warn"',
    );
    expect(registrations.length).toBe(before);
  });

  it("fails on a folder with no template files rather than deleting what it deployed", async () => {
    const dir = folder("empty", { "readme.txt": "nothing" });
    const error = await failureOf(() => new TemplateFiles("empty", { dir }));
    expect(error.message).toMatch(/no template files \(\.yml, \.yaml, \.json\) in .*empty; nothing to deploy/);
  });

  it("examples/templates gives one Template per file", async () => {
    const component = new TemplateFiles("examples", { dir: EXAMPLES });
    const templates = (await registeredBy(component, "examples")).filter((r) => r.type === TEMPLATE_TYPE);
    const files = fs.readdirSync(EXAMPLES).filter((name) => /\.(ya?ml|json)$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    const definitions = files.map((name) => parse(fs.readFileSync(path.join(EXAMPLES, name), "utf8")));
    expect(templates.map((t) => t.name).sort()).toEqual(definitions.map((d) => d.slug).sort());
    for (const definition of definitions) {
      expect(templates.find((t) => t.name === definition.slug)!.inputs).toMatchObject({
        name: definition.name,
        channel: definition.channel,
        description: definition.description ?? "",
        content: definition.content,
      });
    }
  });

  it("runs the README's TemplateFiles block: the component and a Template per example file", async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const blocks = extractBlocks(readme, fs.mkdtempSync(path.join(tmp, "readme-")));
    const block = blocks.find((candidate) => /new TemplateFiles\(/.test(candidate.code));
    expect(block).toBeDefined();
    const before = registrations.length;
    const module = (await import(block!.file)) as { versions: pulumi.Output<Record<string, number>> };
    const versions = await valueOf(module.versions);
    const count = fs.readdirSync(EXAMPLES).filter((name) => /\.(ya?ml|json)$/.test(name)).length;
    expect(Object.keys(versions)).toHaveLength(count);
    const added = registrations.slice(before);
    expect(added.filter((r) => r.type === TEMPLATE_FILES_TYPE)).toHaveLength(1);
    expect(added.filter((r) => r.type === TEMPLATE_TYPE)).toHaveLength(count);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

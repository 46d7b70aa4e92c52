// The example program (examples/pulumi) under Pulumi's mocks: it builds, registers a Template
// per template file and a WebhookEndpoint, declares the outputs, and asks the engine to keep the
// signing secret secret. Mocks ignore `additionalSecretOutputs`, so the option is read from the
// RegisterResource request the SDK sends to the (mock) monitor.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { REPO_ROOT } from "./engine-harness.ts";
import { TEST_KEY } from "./helpers.ts";

// In the repository the example's `senderkit` dependency is this very source tree.
vi.mock("senderkit/pulumi", async () => await import("../../provider/index.ts"));

const PROJECT = "senderkit-example";
const TEMPLATES_DIR = path.join(REPO_ROOT, "examples", "templates");
const PROGRAM = path.join(REPO_ROOT, "examples", "pulumi", "index.ts");
const COMPONENT_TYPE = "senderkit:index:TemplateFiles";
/** An alias to the same name and type with no parent but the stack, as the SDK sends it. */
const ROOT_ALIAS = { spec: expect.objectContaining({ noparent: true, name: "", type: "" }) };
const FAKE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface Registration {
  type: string;
  name: string;
  parent: string;
  /** The aliases the SDK sent, as protobuf objects. */
  aliases: unknown[];
  inputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
  /** The `import:` id the SDK asked the engine to import ("" for none). */
  importId: string;
}

/** A `.get()`: the SDK asks the engine to read an existing object. */
interface ReadRegistration {
  type: string;
  name: string;
  id: string;
}
const reads: ReadRegistration[] = [];

const registrations: Registration[] = [];
let program: Record<string, unknown>;

/** An Output's value (mocks resolve them all). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

function templateFiles(): {
  slug: string;
  name: string;
  channel: string;
  description?: string;
  content: Record<string, unknown>;
}[] {
  return fs
    .readdirSync(TEMPLATES_DIR)
    .filter((name) => /\.(ya?ml|json)$/i.test(name))
    .sort()
    .map((name) => parse(fs.readFileSync(path.join(TEMPLATES_DIR, name), "utf8")));
}

beforeAll(async () => {
  // A key present in the environment and the stack config: it must not travel with the provider.
  process.env.SENDERKIT_API_KEY = TEST_KEY;
  pulumi.runtime.setAllConfig(
    {
      "senderkit:apiKey": TEST_KEY,
      [`${PROJECT}:webhookUrl`]: "https://example.com/webhooks/senderkit",
      [`${PROJECT}:templatesDir`]: TEMPLATES_DIR,
    },
    ["senderkit:apiKey"],
  );
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const outputs: Record<string, unknown> = { ...args.inputs };
        if (args.type.endsWith(":Template")) {
          Object.assign(outputs, {
            version: 1,
            variables: [],
            requiredVariables: [],
            createdAt: "2026-01-01T00:00:00.000Z",
            updatedAt: "2026-01-01T00:00:00.000Z",
          });
        } else {
          Object.assign(outputs, {
            endpointId: "we_mock",
            createdAt: "2026-01-01T00:00:00.000Z",
            signingSecret: FAKE_SECRET,
          });
        }
        return { id: args.type.endsWith(":Template") ? String(args.inputs.slug) : "we_mock", state: outputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "dev",
  );
  // Record what the SDK asks of the engine, options included.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: unknown): unknown;
    readResource(req: ReadRequest, cb: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  const read = monitor.readResource.bind(monitor);
  monitor.readResource = (req, callback) => {
    reads.push({ type: req.getType(), name: req.getName(), id: req.getId() });
    return read(req, callback);
  };
  monitor.registerResource = (req, callback) => {
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      aliases: req.getAliasesList().map((alias) => alias.toObject()),
      inputs: req.getObject()?.toJavaScript() ?? {},
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      importId: req.getImportid(),
    });
    return register(req, callback);
  };
  program = await import(PROGRAM);
});

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getAliasesList(): { toObject(): unknown }[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getAdditionalsecretoutputsList(): string[];
  getImportid(): string;
}

interface ReadRequest {
  getType(): string;
  getName(): string;
  getId(): string;
}

afterAll(() => {
  delete process.env.SENDERKIT_API_KEY;
});

describe("the example program", () => {
  it("has template files to manage", () => {
    expect(templateFiles().length).toBeGreaterThan(0);
  });

  it("registers one Template per template file through TemplateFiles, with the file's definition", async () => {
    await valueOf(program.templateVersions as pulumi.Output<unknown>);
    const components = registrations.filter((r) => r.type === COMPONENT_TYPE);
    expect(components.map((c) => c.name)).toEqual(["templates"]);
    const componentUrn = `urn:pulumi:dev::${PROJECT}::senderkit:index:TemplateFiles::templates`;
    const templates = registrations.filter(
      (r) => r.type === "pulumi-nodejs:dynamic/senderkit:Template" && r.parent === componentUrn,
    );
    const files = templateFiles();
    expect(templates.map((t) => t.name).sort()).toEqual(files.map((f) => f.slug).sort());
    for (const file of files) {
      const registered = templates.find((t) => t.name === file.slug)!;
      expect(registered.inputs).toMatchObject({
        slug: file.slug,
        name: file.name,
        channel: file.channel,
        description: file.description ?? "",
        content: file.content,
        adopt: false,
      });
      expect(registered.inputs).not.toHaveProperty("fixtures");
      // The hidden input the create's idempotency key derives from: the resource's URN, under the component.
      expect(registered.inputs.__identity).toBe(
        `urn:pulumi:dev::${PROJECT}::${COMPONENT_TYPE}$pulumi-nodejs:dynamic/senderkit:Template::${file.slug}`,
      );
      // Stacks deployed before the component keep their Templates: aliased to the stack's root.
      expect(registered.aliases).toEqual([ROOT_ALIAS]);
      expect(registered.importId).toBe("");
      expect(registered.additionalSecretOutputs).toEqual([]);
    }
  });

  it("registers the WebhookEndpoint with signingSecret in additionalSecretOutputs", async () => {
    await valueOf(program.webhookEndpointId as pulumi.Output<unknown>);
    const endpoints = registrations.filter((r) => r.type === "pulumi-nodejs:dynamic/senderkit:WebhookEndpoint");
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]!.additionalSecretOutputs).toEqual(["signingSecret"]);
    expect(endpoints[0]!.inputs).toMatchObject({ url: "https://example.com/webhooks/senderkit", secretVersion: 1 });
  });

  it("declares the outputs and exports the signing secret as a secret", async () => {
    const secret = program.webhookSigningSecret as pulumi.Output<string>;
    expect(await pulumi.isSecret(secret)).toBe(true);
    expect(await valueOf(secret)).toBe(FAKE_SECRET);
    expect(await valueOf(program.webhookEndpointId as pulumi.Output<string>)).toBe("we_mock");
    const versions = await valueOf(program.templateVersions as pulumi.Output<Record<string, number>>);
    expect(Object.keys(versions).sort()).toEqual(
      templateFiles()
        .map((f) => f.slug)
        .sort(),
    );
    expect(
      Object.keys(await valueOf(program.requiredVariables as pulumi.Output<Record<string, string[]>>)).length,
    ).toBe(templateFiles().length);
  });

  it("sends the serialized provider without the API key", async () => {
    await valueOf(program.webhookEndpointId as pulumi.Output<unknown>);
    expect(registrations.length).toBeGreaterThan(1);
    // Components (TemplateFiles) have no provider of their own.
    for (const registration of registrations.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))) {
      const text = registration.inputs.__provider;
      expect(typeof text).toBe("string");
      expect(text).toContain("exports.handler");
      expect(text).not.toContain(TEST_KEY);
      expect(text).not.toContain("sk_test_");
    }
  });
});

describe("the resource classes' options", () => {
  it("turn `import:` into the hidden input __import: the engine is never asked to import a dynamic one", async () => {
    const { Template, WebhookEndpoint } = await import("../../provider/index.ts");
    const template = new Template(
      "imported",
      { slug: "imported", name: "x", channel: "sms", content: { body: "hi" } },
      { import: "imported" },
    );
    const endpoint = new WebhookEndpoint(
      "imported-hook",
      { url: "https://example.com/h", events: ["*"] },
      { import: "we_123" },
    );
    await Promise.all([valueOf(template.urn), valueOf(endpoint.urn)]);
    const byName = (name: string) => registrations.find((r) => r.name === name)!;
    expect(byName("imported")).toMatchObject({ importId: "", inputs: { __import: "imported" } });
    expect(byName("imported-hook")).toMatchObject({
      importId: "",
      inputs: { __import: "we_123" },
      additionalSecretOutputs: ["signingSecret"],
    });
    // In a component, the identity carries the parent's type, as the engine's URN does.
    const parent = new pulumi.ComponentResource("acme:emails:Emails", "emails");
    const child = new Template(
      "child",
      { slug: "child", name: "x", channel: "sms", content: { body: "hi" } },
      { parent },
    );
    const childUrn = await valueOf(child.urn);
    expect(childUrn).toContain("acme:emails:Emails$pulumi-nodejs:dynamic/senderkit:Template::child");
    expect(byName("child").inputs.__identity).toBe(childUrn);
  });

  it("`get()` reads the object by id, registering nothing", async () => {
    const { Template, WebhookEndpoint } = await import("../../provider/index.ts");
    await valueOf(Template.get("read-template", "some-slug").urn);
    await valueOf(WebhookEndpoint.get("read-hook", "we_456").urn);
    expect(reads).toEqual([
      { type: "pulumi-nodejs:dynamic/senderkit:Template", name: "read-template", id: "some-slug" },
      { type: "pulumi-nodejs:dynamic/senderkit:WebhookEndpoint", name: "read-hook", id: "we_456" },
    ]);
    expect(registrations.map((r) => r.name)).not.toContain("read-template");
  });
});

describe("the example program's TypeScript", () => {
  it("type-checks with its own tsconfig, senderkit/pulumi being this source tree", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "senderkit-example-tsc-"));
    try {
      const tsconfig = path.join(dir, "tsconfig.json");
      fs.writeFileSync(
        tsconfig,
        JSON.stringify({
          extends: path.join(REPO_ROOT, "examples", "pulumi", "tsconfig.json"),
          compilerOptions: {
            noEmit: true,
            allowImportingTsExtensions: true,
            baseUrl: REPO_ROOT,
            typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
            paths: { "senderkit/pulumi": ["provider/index.ts"] },
          },
          files: [PROGRAM],
        }),
      );
      const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
      const result = await promisify(execFile)(process.execPath, [tsc, "-p", tsconfig], { cwd: REPO_ROOT }).then(
        ({ stdout }) => stdout,
        (error: { stdout?: string; message: string }) => `${error.stdout ?? ""}${error.message}`,
      );
      expect(result).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// The provider as a user gets it from npm: the package is built (lib/, as `prepare` does) into a
// throwaway Pulumi project's node_modules/senderkit, the example program is compiled the way a
// CommonJS Pulumi program is and run under mocks in its own Node process, and the provider text
// it registers is handed to the dynamic-provider plugin running in that project. Also: state
// written elsewhere (its module path gone) still works, through the installed package.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SenderKit } from "../../src/index.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { NODE_BIN, REPO_ROOT, secretValue, startProviderPlugin, urnOf } from "./engine-harness.ts";
import type { ProviderPlugin } from "./engine-harness.ts";
import { TEST_KEY, uniqueSlug } from "./helpers.ts";

const run = promisify(execFile);
const TSC = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
const TEMPLATE_TYPE = "pulumi-nodejs:dynamic/senderkit:Template";
const ENDPOINT_TYPE = "pulumi-nodejs:dynamic/senderkit:WebhookEndpoint";

/** Runs tsc; type errors in files outside ours do not stop the emit, so only the output is checked. */
async function tsc(project: string): Promise<string> {
  return run(NODE_BIN, [TSC, "-p", project], { cwd: REPO_ROOT }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? "",
  );
}

/** Runs the compiled example program under Pulumi's mocks and reports what it registered. */
const DRIVER = `
const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime.setAllConfig({
  "senderkit:apiKey": process.env.SENDERKIT_API_KEY,
  "senderkit-example:webhookUrl": "https://example.com/hooks",
  "senderkit-example:templatesDir": process.env.TEMPLATES_DIR,
}, ["senderkit:apiKey"]);
pulumi.runtime.setMocks({
  newResource: (args) => ({ id: args.name, state: { ...args.inputs, signingSecret: "whsec_mock" } }),
  call: (args) => args.inputs,
}, "senderkit-example", "dev").then(() => {
  const monitor = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registered.push({ type: req.getType(), name: req.getName(), inputs: req.getObject().toJavaScript(), secretOutputs: req.getAdditionalsecretoutputsList() });
    return register(req, callback);
  };
  const program = require("./bin/index.js");
  program.webhookEndpointId.apply(() => program.templateVersions.apply(() => {
    process.stdout.write(JSON.stringify(registered));
  }));
});
`;

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  secretOutputs: string[];
}

let project: string;
let registered: Registered[];
let sandbox: Sandbox;
let sk: SenderKit;
let plugin: ProviderPlugin;

beforeAll(async () => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "senderkit-npm-project-"));
  const installed = path.join(project, "node_modules", "senderkit");
  fs.mkdirSync(installed, { recursive: true });
  // The package's own build (tsconfig.build.json), emitted into the installed copy.
  const buildConfig = path.join(project, "tsconfig.senderkit.json");
  fs.writeFileSync(
    buildConfig,
    JSON.stringify({
      extends: path.join(REPO_ROOT, "tsconfig.build.json"),
      compilerOptions: { rootDir: REPO_ROOT, outDir: path.join(installed, "lib") },
      include: [path.join(REPO_ROOT, "src"), path.join(REPO_ROOT, "provider")],
    }),
  );
  await tsc(buildConfig);
  fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(installed, "package.json"));
  // Its dependencies (undici, zod, the peer @pulumi/pulumi, yaml for the program) as npm would hoist them.
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry.startsWith(".") || entry === "senderkit") continue;
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(project, "node_modules", entry));
  }

  // The example program, compiled as Pulumi compiles a CommonJS TypeScript program.
  for (const file of ["index.ts", "tsconfig.json", "Pulumi.yaml"]) {
    fs.copyFileSync(path.join(REPO_ROOT, "examples", "pulumi", file), path.join(project, file));
  }
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "senderkit-example", private: true, main: "bin/index.js" }),
  );
  const compileErrors = await tsc(path.join(project, "tsconfig.json"));
  expect(compileErrors).toBe("");
  fs.writeFileSync(path.join(project, "driver.cjs"), DRIVER);
  const { stdout } = await run(NODE_BIN, ["driver.cjs"], {
    cwd: project,
    env: { ...process.env, SENDERKIT_API_KEY: TEST_KEY, TEMPLATES_DIR: path.join(REPO_ROOT, "examples", "templates") },
  });
  registered = JSON.parse(stdout) as Registered[];

  sandbox = await startSandbox();
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: sandbox.url, maxRetries: 0 });
  plugin = await startProviderPlugin({
    cwd: project,
    pulumiDir: path.join(project, "node_modules", "@pulumi", "pulumi"),
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SENDERKIT_"))),
  });
  await plugin.configure({ "senderkit:apiKey": secretValue(TEST_KEY), "senderkit:baseUrl": sandbox.url });
}, 120_000);

afterAll(async () => {
  await plugin?.close();
  await sk?.close();
  await sandbox?.close();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

function providerTextOf(type: string): string {
  const registration = registered.find((r) => r.type === type);
  expect(registration).toBeDefined();
  return registration!.inputs.__provider as string;
}

describe("senderkit/pulumi installed from npm", () => {
  it("the compiled CommonJS program loads it and registers both resource types", () => {
    expect(registered.filter((r) => r.type === TEMPLATE_TYPE).length).toBeGreaterThan(0);
    const endpoint = registered.find((r) => r.type === ENDPOINT_TYPE)!;
    expect(endpoint.secretOutputs).toEqual(["signingSecret"]);
  });

  it("serializes a provider that points into the installed package and holds no key", () => {
    const text = providerTextOf(TEMPLATE_TYPE);
    const installedModule = new URL(
      `file://${fs.realpathSync(project)}/node_modules/senderkit/lib/provider/template.js`,
    ).href;
    expect(text).toContain(`url: "${installedModule}"`);
    expect(text).not.toContain(TEST_KEY);
    expect(text).not.toContain("sk_test_");
  });

  it("runs in the plugin in that project: create, update, read, delete", async () => {
    const text = providerTextOf(TEMPLATE_TYPE);
    const slug = uniqueSlug("npm");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    const news = { slug, name: "From npm", channel: "sms", content: { body: "hi {{ name }}" }, __provider: text };
    const { inputs, failures } = await plugin.check(urn, {}, news);
    expect(failures).toEqual([]);
    const created = await plugin.create(urn, inputs);
    expect(created.properties).toMatchObject({ slug, version: 1, requiredVariables: ["name"] });
    const renamed = (await plugin.check(urn, inputs, { ...news, name: "Renamed" })).inputs;
    const updated = await plugin.update(urn, slug, created.properties, renamed);
    expect(updated).toMatchObject({ name: "Renamed", version: 1 });
    expect((await plugin.read(urn, slug, updated)).properties).toMatchObject({ name: "Renamed" });
    await plugin.delete(urn, slug, updated);
    expect((await plugin.read(urn, slug, updated)).id).toBe("");
  });

  it("keeps the signing secret through an update", async () => {
    const text = providerTextOf(ENDPOINT_TYPE);
    const urn = urnOf(ENDPOINT_TYPE, "npm-endpoint");
    const news = { url: "https://example.com/hooks", events: ["*"], __provider: text };
    const { inputs } = await plugin.check(urn, {}, news);
    const created = await plugin.create(urn, inputs);
    expect(created.properties.signingSecret).toMatch(/^whsec_/);
    const described = (await plugin.check(urn, inputs, { ...news, description: "npm" })).inputs;
    const updated = await plugin.update(urn, created.id, created.properties, described);
    expect(updated.signingSecret).toBe(created.properties.signingSecret);
    await plugin.delete(urn, created.id, updated);
  });

  it("still works for state written on another machine, whose module path does not exist here", async () => {
    const original = providerTextOf(TEMPLATE_TYPE);
    const moved = original.replace(
      /url: "file:\/\/[^"]*\/node_modules\/senderkit\//,
      'url: "file:///elsewhere/ci-checkout/node_modules/senderkit/',
    );
    expect(moved).not.toBe(original);
    const slug = uniqueSlug("moved");
    const urn = urnOf(TEMPLATE_TYPE, slug);
    await sk.templates.create({ slug, name: "Made elsewhere", channel: "sms", content: { body: "x" } });
    // Refresh and destroy use the provider text stored in the state.
    const read = await plugin.read(urn, slug, { slug, __provider: moved });
    expect(read).toMatchObject({ id: slug, properties: { name: "Made elsewhere" } });
    await plugin.delete(urn, slug, read.properties);
    await expect(sk.templates.get(slug)).rejects.toThrow();
  });
});

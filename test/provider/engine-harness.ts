// Plays the Pulumi engine's part without the Pulumi CLI: spawns the dynamic-provider plugin that
// ships inside @pulumi/pulumi (cmd/dynamic-provider, what `pulumi-resource-pulumi-nodejs` runs)
// and drives it over gRPC with the messages the engine sends (Configure, Check, Diff, Create,
// Update, Read, Delete). A minimal fake Engine service stands at the address the plugin is given,
// answering its logging calls.
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";

type Grpc = typeof import("@grpc/grpc-js");
type ProviderPb = typeof import("@pulumi/pulumi/proto/provider_pb.js");
type ProviderGrpc = typeof import("@pulumi/pulumi/proto/provider_grpc_pb.js");
type EnginePb = typeof import("@pulumi/pulumi/proto/engine_pb.js");
type EngineGrpc = typeof import("@pulumi/pulumi/proto/engine_grpc_pb.js");
type StructPb = typeof import("google-protobuf/google/protobuf/struct_pb.js");
type EmptyPb = typeof import("google-protobuf/google/protobuf/empty_pb.js");

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Node 24 from the `node` dev dependency, as the brief requires for the plugin. */
export const NODE_BIN = join(REPO_ROOT, "node_modules", ".bin", "node");

/**
 * Loads the gRPC stubs and protobuf classes the way the plugin does: from inside the given
 * @pulumi/pulumi (it has its own google-protobuf, whose Struct the stubs expect).
 */
function protocolModules(pulumiDir: string) {
  const load = createRequire(join(pulumiDir, "package.json"));
  return {
    grpc: load("@grpc/grpc-js") as Grpc,
    providerPb: load("./proto/provider_pb.js") as ProviderPb,
    providerGrpc: load("./proto/provider_grpc_pb.js") as ProviderGrpc,
    enginePb: load("./proto/engine_pb.js") as EnginePb,
    engineGrpc: load("./proto/engine_grpc_pb.js") as EngineGrpc,
    structPb: load("google-protobuf/google/protobuf/struct_pb.js") as StructPb,
    emptyPb: load("google-protobuf/google/protobuf/empty_pb.js") as EmptyPb,
  };
}
type ProtocolModules = ReturnType<typeof protocolModules>;

/** A config value the engine marks secret, as the engine's RPC encoding spells it. */
export function secretValue(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

export interface FakeEngine {
  address: string;
  logs: string[];
  close(): Promise<void>;
}

async function startFakeEngine(modules: ProtocolModules): Promise<FakeEngine> {
  const { grpc, engineGrpc, enginePb, emptyPb } = modules;
  const logs: string[] = [];
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log(call: { request: InstanceType<EnginePb["LogRequest"]> }, callback: (error: null, response: unknown) => void) {
      logs.push(call.request.getMessage());
      callback(null, new emptyPb.Empty());
    },
    getRootResource(_call: unknown, callback: (error: null, response: unknown) => void) {
      callback(null, new enginePb.GetRootResourceResponse());
    },
    setRootResource(_call: unknown, callback: (error: null, response: unknown) => void) {
      callback(null, new enginePb.SetRootResourceResponse());
    },
    startDebugging(_call: unknown, callback: (error: null, response: unknown) => void) {
      callback(null, new emptyPb.Empty());
    },
    requirePulumiVersion(_call: unknown, callback: (error: null, response: unknown) => void) {
      callback(null, new enginePb.RequirePulumiVersionResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    logs,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

export type Properties = Record<string, unknown>;

export interface CheckResponse {
  inputs: Properties;
  failures: { property: string; reason: string }[];
}
export interface DiffResponse {
  /** "none", "some" or "unknown", as DiffResponse.DiffChanges. */
  changes: "unknown" | "none" | "some";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** A gRPC failure of a provider call, with the plugin's message. */
export class ProviderCallError extends Error {
  override name = "ProviderCallError";
}

export interface ProviderPlugin {
  engine: FakeEngine;
  /** What the plugin wrote to stderr (its console.error). */
  stderr(): string;
  pluginVersion(): Promise<string>;
  configure(args: Properties): Promise<{ acceptSecrets: boolean }>;
  check(urn: string, olds: Properties, news: Properties): Promise<CheckResponse>;
  diff(urn: string, id: string, olds: Properties, news: Properties): Promise<DiffResponse>;
  create(urn: string, properties: Properties): Promise<{ id: string; properties: Properties }>;
  update(urn: string, id: string, olds: Properties, news: Properties): Promise<Properties>;
  /** `inputs` is undefined when the provider returned none (the engine then keeps the old inputs). */
  read(
    urn: string,
    id: string,
    properties: Properties,
  ): Promise<{ id: string; properties: Properties; inputs: Properties | undefined }>;
  delete(urn: string, id: string, properties: Properties): Promise<void>;
  close(): Promise<void>;
}

export interface PluginOptions {
  /** The Pulumi project directory: the engine starts the plugin there. */
  cwd: string;
  /** The @pulumi/pulumi whose cmd/dynamic-provider runs; default this repository's. */
  pulumiDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Spawns `node <pulumi>/cmd/dynamic-provider <engine address>` and connects to the port it prints. */
export async function startProviderPlugin(options: PluginOptions): Promise<ProviderPlugin> {
  const pulumiDir = options.pulumiDir ?? dirname(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));
  const modules = protocolModules(pulumiDir);
  const { grpc, providerGrpc, providerPb, structPb, emptyPb } = modules;
  const engine = await startFakeEngine(modules);

  const child: ChildProcessWithoutNullStreams = spawn(
    NODE_BIN,
    [join(pulumiDir, "cmd", "dynamic-provider"), engine.address],
    {
      cwd: options.cwd,
      env: options.env ?? process.env,
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.match(/^(\d+)\s*\n/);
      if (line) resolve(line[1]!);
    });
    child.once("exit", (code) =>
      reject(new Error(`the dynamic-provider plugin exited (${code}) before printing its port:\n${stderr}`)),
    );
  });

  const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const struct = (value: Properties) => structPb.Struct.fromJavaScript(value as Record<string, never>);

  /** One unary call, as a promise; a failure carries the plugin's message. */
  function call<Request, Response>(method: string, request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      const fn = (
        client as unknown as Record<string, (r: Request, cb: (e: Error | null, v: Response) => void) => void>
      )[method]!;
      fn.call(client, request, (error, response) => {
        if (error)
          reject(new ProviderCallError(`${method}: ${(error as { details?: string }).details ?? error.message}`));
        else resolve(response);
      });
    });
  }

  return {
    engine,
    stderr: () => stderr,
    async pluginVersion() {
      const info = await call<unknown, { getVersion(): string }>("getPluginInfo", new emptyPb.Empty());
      return info.getVersion();
    },
    async configure(args) {
      const request = new providerPb.ConfigureRequest();
      request.setArgs(struct(args));
      request.setAcceptsecrets(true);
      request.setAcceptresources(true);
      // The engine also sends the values as strings in `variables`; the dynamic provider reads `args`.
      for (const [key, value] of Object.entries(args)) {
        const plain = (value as Record<string, unknown> | null)?.[pulumi.runtime.specialSigKey]
          ? (value as { value: unknown }).value
          : value;
        request.getVariablesMap().set(key, typeof plain === "string" ? plain : JSON.stringify(plain));
      }
      const response = await call<unknown, InstanceType<ProviderPb["ConfigureResponse"]>>("configure", request);
      return { acceptSecrets: response.getAcceptsecrets() };
    },
    async check(urn, olds, news) {
      const request = new providerPb.CheckRequest();
      request.setUrn(urn);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      const response = await call<unknown, InstanceType<ProviderPb["CheckResponse"]>>("check", request);
      return {
        inputs: (response.getInputs()?.toJavaScript() ?? {}) as Properties,
        failures: response.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(urn, id, olds, news) {
      const request = new providerPb.DiffRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      const response = await call<unknown, InstanceType<ProviderPb["DiffResponse"]>>("diff", request);
      const names = {
        [providerPb.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
        [providerPb.DiffResponse.DiffChanges.DIFF_NONE]: "none",
        [providerPb.DiffResponse.DiffChanges.DIFF_SOME]: "some",
      } as const;
      return {
        changes: names[response.getChanges()],
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
      };
    },
    async create(urn, properties) {
      const request = new providerPb.CreateRequest();
      request.setUrn(urn);
      request.setProperties(struct(properties));
      const response = await call<unknown, InstanceType<ProviderPb["CreateResponse"]>>("create", request);
      return { id: response.getId(), properties: (response.getProperties()?.toJavaScript() ?? {}) as Properties };
    },
    async update(urn, id, olds, news) {
      const request = new providerPb.UpdateRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      const response = await call<unknown, InstanceType<ProviderPb["UpdateResponse"]>>("update", request);
      return (response.getProperties()?.toJavaScript() ?? {}) as Properties;
    },
    async read(urn, id, properties) {
      const request = new providerPb.ReadRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setProperties(struct(properties));
      const response = await call<unknown, InstanceType<ProviderPb["ReadResponse"]>>("read", request);
      return {
        id: response.getId(),
        properties: (response.getProperties()?.toJavaScript() ?? {}) as Properties,
        inputs: response.getInputs()?.toJavaScript() as Properties | undefined,
      };
    },
    async delete(urn, id, properties) {
      const request = new providerPb.DeleteRequest();
      request.setUrn(urn);
      request.setId(id);
      request.setProperties(struct(properties));
      await call("delete", request);
    },
    async close() {
      client.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await engine.close();
    },
  };
}

/** A URN as the engine makes them, for the requests' `urn` field. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::senderkit-example::${type}::${name}`;
}

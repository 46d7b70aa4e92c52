// The dynamic provider objects Pulumi serializes.
//
// `pulumi.dynamic.Resource` turns its provider object into source text with
// `pulumi.runtime.serializeFunction`; the engine stores that text in the state (`__provider`) and
// later runs it in another process, `@pulumi/pulumi/cmd/dynamic-provider`, through
// `require-from-string`. Whatever a method references is copied into that text by value. So the
// methods here reference only plain strings: when called, they load the module that does the
// work (`template.ts`, `webhook-endpoint.ts`) and call its operations. No client, no module object
// and no credential is ever part of the text, and the operations always come from the installed
// package, even for resources whose state was written by an older version.
import type * as pulumi from "@pulumi/pulumi";

type ConfigureRequest = pulumi.dynamic.ConfigureRequest;

/** What a resource module implements for the engine's calls (pulumi.dynamic.ResourceProvider, typed). */
export interface ProviderOperations<Inputs, Outputs> {
  configure(request: ConfigureRequest): Promise<void>;
  /** `news` comes straight from the program (unknown values included during preview). */
  check(olds: Partial<Inputs>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<Inputs>>;
  diff(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  /** `props` is absent or partial for a resource Pulumi never created (e.g. `.get`). */
  read(id: string, props?: Partial<Outputs>): Promise<ReadResult<Inputs, Outputs>>;
  update(id: string, olds: Outputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  delete(id: string, props: Outputs): Promise<void>;
}

/**
 * What `read` finds. `inputs` (honoured since @pulumi/pulumi 3.216) replace the state's inputs, so
 * that later diffs, `ignoreChanges` and previews start from what the server holds.
 */
export interface ReadResult<Inputs, Outputs> {
  id?: string;
  props?: Outputs;
  inputs?: Inputs;
}

/** Where the operations live: the module's URL where the program loaded it, and its path inside the npm package. */
export interface OperationsModule {
  /** `import.meta.url` of the resource module, e.g. file:///…/node_modules/senderkit/lib/provider/template.js. */
  url: string;
  /** The same module inside an installed `senderkit` package, e.g. "lib/provider/template.js". */
  pathInPackage: string;
  /** The export holding the ProviderOperations. */
  exportName: string;
}

/**
 * A provider whose every method loads `location` in the running process and delegates to its
 * operations. This object is what `pulumi.dynamic.Resource` serializes.
 */
export function lazyProvider<Inputs, Outputs>(
  location: OperationsModule,
): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  // Defined inside so that the serialized text holds `location` (three strings) and nothing else.
  // It loads with require() (Node 22.12+ loads ES modules that way), reached through
  // process.getBuiltinModule rather than `import()`: the closure serializer would capture
  // whatever a host or test runner rewrites `import()` into, and `require` is not defined in ESM.
  function operations(): ProviderOperations<Inputs, Outputs> {
    const { createRequire } = process.getBuiltinModule("node:module");
    const { existsSync } = process.getBuiltinModule("node:fs");
    const { dirname, join } = process.getBuiltinModule("node:path");
    const { fileURLToPath } = process.getBuiltinModule("node:url");
    // The engine runs the provider in the Pulumi project's directory.
    const requireFromProject = createRequire(join(process.cwd(), "pulumi-program.js"));
    let file: string | undefined;
    try {
      file = fileURLToPath(location.url);
    } catch {
      // A path from another operating system (state written on Linux, read on Windows).
    }
    if (file === undefined || !existsSync(file)) {
      // The state was written from another checkout or machine: use the `senderkit` package
      // installed in this project.
      let packageJson: string;
      try {
        packageJson = requireFromProject.resolve("senderkit/package.json");
      } catch (error) {
        throw new Error(
          `the SenderKit provider cannot find ${file ?? location.url}, nor the "senderkit" package from ${process.cwd()}: ` +
            "install it in the Pulumi project (npm install senderkit)",
          { cause: error },
        );
      }
      file = join(dirname(packageJson), location.pathInPackage);
    }
    const loaded = requireFromProject(file) as Record<string, unknown>;
    return loaded[location.exportName] as ProviderOperations<Inputs, Outputs>;
  }

  return {
    async configure(request) {
      await operations().configure(request);
    },
    async check(olds, news) {
      return operations().check(olds, news as Record<string, unknown>);
    },
    async diff(id, olds, news) {
      return operations().diff(id, olds, news);
    },
    async create(inputs) {
      return operations().create(inputs);
    },
    async read(id, props) {
      // pulumi.dynamic.ReadResult types `inputs` as the outputs' type; they are the inputs.
      return (await operations().read(id, props)) as pulumi.dynamic.ReadResult<Outputs>;
    },
    async update(id, olds, news) {
      return operations().update(id, olds, news);
    },
    async delete(id, props) {
      await operations().delete(id, props);
    },
  };
}

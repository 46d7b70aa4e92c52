// What both resource classes add to a registration: the hidden inputs, and the `import:` option
// turned into one of them.
//
// The engine imports a resource by calling the provider's Read with no properties at all, and
// Pulumi's dynamic-provider host finds the provider's code in those properties (`__provider`), so
// an `import:` of a dynamic resource fails before reaching our code (pulumi/pulumi#16175). The
// class therefore passes the id to import as the hidden input `__import` instead: the create reads
// the object, checks that the declaration matches it, and writes nothing.
import * as pulumi from "@pulumi/pulumi";

export interface HiddenInputs {
  /** The resource's URN (project, stack, parent types, type, name): who is creating. */
  __identity: Promise<string>;
  __import: pulumi.Input<string> | undefined;
}

/** `type` is the class's type within the module, e.g. "Template". */
export function withHiddenInputs(
  name: string,
  type: string,
  opts: pulumi.CustomResourceOptions | undefined,
): { hidden: HiddenInputs | Record<string, never>; opts: pulumi.CustomResourceOptions | undefined } {
  // `.get()` (opts.id) reads an existing object: nothing is created, no hidden input is needed.
  if (opts?.id !== undefined) return { hidden: {}, opts };
  const { import: importId, ...rest } = opts ?? {};
  return {
    // The URN the engine will give it (as pulumi.dynamic.Resource spells dynamic types).
    hidden: {
      __identity: withoutDependencies(pulumi.createUrn(name, `pulumi-nodejs:dynamic/senderkit:${type}`, opts?.parent)),
      __import: importId,
    },
    opts: rest,
  };
}

/**
 * The URN as a plain promise. The Output createUrn gives carries the parent as a dependency, and the
 * SDK turns a dependency on a component into one on all its children: siblings registering together
 * under one component would each wait for the others forever. URNs are known in previews too.
 */
function withoutDependencies(urn: pulumi.Output<string>): Promise<string> {
  return new Promise((resolve) => urn.apply(resolve));
}

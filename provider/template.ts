// The Template resource: a SenderKit template (contract section 6) owned by `pulumi up`.
//
//   slug, channel             fixed by the API: a change replaces the template
//   name, description,        updated in place; the API makes a new version only when the
//   content                   content really changed
//   adopt                     only used when creating: take over an existing slug
import * as pulumi from "@pulumi/pulumi";
import { ConflictError, NotFoundError } from "../src/index.ts";
import { templateDefinitionIssues } from "../src/internal/template-definition.ts";
import type { Channel, SenderKit, Template as ApiTemplate, TemplateUpdateParams } from "../src/index.ts";
import { apiClient, withConfigure } from "./config.ts";
import { createKey, createOnce } from "./create-keys.ts";
import { withHiddenInputs } from "./resource-options.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { lazyProvider } from "./lazy-provider.ts";
import type { ProviderOperations } from "./lazy-provider.ts";
import {
  checkFailures,
  containsUnknown,
  deepEqual,
  failure,
  isRecord,
  withoutNullish,
  withoutUndefined,
} from "./properties.ts";

/** Content fields, named as in the API (section 5's table, without `type`). */
export interface EmailTemplateContent {
  subject: pulumi.Input<string>;
  html: pulumi.Input<string>;
  text?: pulumi.Input<string>;
}
export interface SmsTemplateContent {
  body: pulumi.Input<string>;
}
export interface PushTemplateContent {
  title: pulumi.Input<string>;
  body: pulumi.Input<string>;
  badge?: pulumi.Input<number>;
  data?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}
export interface WebPushTemplateContent {
  title: pulumi.Input<string>;
  body: pulumi.Input<string>;
  click_url?: pulumi.Input<string>;
  icon?: pulumi.Input<string>;
}
export type TemplateContentArgs =
  EmailTemplateContent | SmsTemplateContent | PushTemplateContent | WebPushTemplateContent;

export interface TemplateArgs {
  /** `^[a-z0-9][a-z0-9_-]{0,63}$`; changing it replaces the template. */
  slug: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** email, sms, push or web_push; changing it replaces the template. */
  channel: pulumi.Input<Channel>;
  /** Default "". */
  description?: pulumi.Input<string>;
  content: pulumi.Input<TemplateContentArgs>;
  /**
   * When creating, take over a template that already has this slug (and bring it to this
   * declared state) instead of failing with template_exists. Default false.
   */
  adopt?: pulumi.Input<boolean>;
}

/** The inputs once checked: defaults filled in. */
export interface TemplateInputs {
  slug: string;
  name: string;
  channel: Channel;
  description: string;
  content: Record<string, unknown>;
  adopt: boolean;
  /** Hidden: the resource's URN, for the create's idempotency key (create-keys.ts). */
  __identity?: string;
  /** Hidden: the slug of the `import:` option, which the class turns into a create that only reads. */
  __import?: string;
}

/** What the provider stores in the state and the resource exposes. */
export interface TemplateOutputs extends TemplateInputs {
  /** The current version number; it grows only when the content changes. */
  version: number;
  /** Every placeholder path in the content, first appearance first. */
  variables: string[];
  /** The variables without a default: a send must give them. */
  requiredVariables: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * Which resource of this deployment created, adopted or imported each slug. The engine runs one
 * provider process per deployment, and a rename without an alias is "create the new name (which
 * adopts the slug), then delete the old name": that delete must not delete what the new name owns.
 */
const ownerOfSlug = new Map<string, string | undefined>();

/** What each engine call does for a Template; runs in the provider process (see lazy-provider.ts). */
export const templateOperations: ProviderOperations<TemplateInputs, TemplateOutputs> = withConfigure({
  async check(_olds, news) {
    const inputs = withoutUndefined({
      slug: news.slug,
      name: news.name,
      channel: news.channel,
      description: news.description ?? "",
      content: isRecord(news.content) ? withoutNullish(news.content) : news.content,
      adopt: news.adopt ?? false,
      __identity: news.__identity,
      __import: news.__import,
    });
    const issues = templateDefinitionIssues(inputs);
    if (typeof inputs.adopt !== "boolean") issues.push({ path: ["adopt"], message: "expected a boolean" });
    if (inputs.__import !== undefined && !containsUnknown(inputs.__import) && inputs.__import !== inputs.slug) {
      issues.push({
        path: ["slug"],
        message: `the import option names template "${String(inputs.__import)}": declare that slug`,
      });
    }
    return { inputs: inputs as TemplateInputs, failures: checkFailures(issues, inputs) };
  },

  async diff(_id, olds, news) {
    // The hidden inputs (identity, import) are no change: they only matter when creating.
    const replaces = (["slug", "channel"] as const).filter((key) => changed(olds[key], news[key]));
    const updates = [
      changed(olds.name, news.name),
      changed(olds.description ?? "", news.description ?? ""),
      contentChanged(olds.content, news.content),
    ];
    return {
      changes: replaces.length > 0 || updates.includes(true),
      replaces,
      // A new channel under the same slug: the old template must go first, or the create would
      // answer template_exists. A new slug is created before the old one is deleted.
      deleteBeforeReplace: replaces.length > 0 && !replaces.includes("slug"),
    };
  },

  async create(inputs) {
    const { sk, limiter } = apiClient();
    let template: ApiTemplate;
    if (inputs.__import !== undefined) {
      template = await importTemplate(inputs);
    } else {
      try {
        template = await createTemplate(inputs);
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === "template_exists")) {
          throw failure(`creating template "${inputs.slug}"`, error);
        }
        if (!inputs.adopt) {
          throw new Error(
            `creating template "${inputs.slug}": a template with this slug already exists. ` +
              "Set `adopt: true` to take it over with Pulumi, or choose another slug.",
            { cause: error },
          );
        }
        template = await adopt(sk, limiter, inputs);
      }
    }
    ownerOfSlug.set(template.slug, inputs.__identity);
    return { id: template.slug, outs: templateOutputs(template, inputs) };
  },

  async read(id, props) {
    try {
      const { sk, limiter } = apiClient();
      const template = await limiter.run(() => sk.templates.get(id));
      const kept = { adopt: props?.adopt ?? false, __identity: props?.__identity, __import: props?.__import };
      const outs = templateOutputs(template, kept);
      // The inputs too, from what the server holds now: `ignoreChanges` then keeps an edit made
      // outside Pulumi, and a preview after a refresh names the drifted properties.
      const { version, variables, requiredVariables, createdAt, updatedAt, ...inputs } = outs;
      return { id: template.slug, props: outs, inputs };
    } catch (error) {
      // Deleted outside Pulumi: no id tells the engine it is gone.
      if (error instanceof NotFoundError) return {};
      throw failure(`reading template "${id}"`, error);
    }
  },

  async update(id, olds, news) {
    const changes = changedFields(olds, news);
    try {
      const { sk, limiter } = apiClient();
      const template = await limiter.run(() =>
        Object.keys(changes).length > 0 ? sk.templates.update(id, changes) : sk.templates.get(id),
      );
      return { outs: templateOutputs(template, news) };
    } catch (error) {
      throw failure(`updating template "${id}"`, error);
    }
  },

  async delete(id, props) {
    const owner = ownerOfSlug.get(id);
    if (ownerOfSlug.has(id) && owner !== props?.__identity) {
      // Adoption is never a deletion: the resource that took this slug over keeps it.
      console.error(
        `template "${id}" left in place: another resource of this deployment` +
          `${owner ? ` (${owner.split("::").at(-1)})` : ""} created or adopted it`,
      );
      return;
    }
    try {
      const { sk, limiter } = apiClient();
      await limiter.run(() => sk.templates.delete(id));
      ownerOfSlug.delete(id);
    } catch (error) {
      // Already gone is what delete wants.
      if (error instanceof NotFoundError) return;
      throw failure(`deleting template "${id}"`, error);
    }
  },
});

/**
 * POST /v1/templates with a key derived from the resource and its declaration. A replayed answer
 * counts only if what it describes is still there: the template it created (same createdAt), or,
 * for a replayed template_exists, a template with the slug.
 */
async function createTemplate(inputs: TemplateInputs): Promise<ApiTemplate> {
  const { sk, limiter } = apiClient();
  const params = {
    slug: inputs.slug,
    name: inputs.name,
    channel: inputs.channel,
    description: inputs.description,
    content: inputs.content,
  };
  let current: ApiTemplate | undefined;
  const created = await createOnce<ApiTemplate>(
    (generation) => createKey("template", inputs.__identity, params, generation),
    {
      async attempt(key) {
        try {
          const value = await limiter.run(() => sk.templates.create(params, { idempotencyKey: key }));
          return { value, replayed: limiter.takeReplayed(key) };
        } catch (error) {
          return { error, replayed: limiter.takeReplayed(key) };
        }
      },
      async stillThere(outcome) {
        if (
          "error" in outcome &&
          !(outcome.error instanceof ConflictError && outcome.error.code === "template_exists")
        ) {
          return true;
        }
        try {
          current = await limiter.run(() => sk.templates.get(inputs.slug));
        } catch (error) {
          if (error instanceof NotFoundError) return false;
          throw error;
        }
        return "error" in outcome || current.createdAt === outcome.value.createdAt;
      },
    },
  );
  // A replay is the first answer, not today's state.
  return current ?? created;
}

/** The `import:` option: the template as it is, if the declaration matches it; nothing is written. */
async function importTemplate(inputs: TemplateInputs): Promise<ApiTemplate> {
  const { sk, limiter } = apiClient();
  let template: ApiTemplate;
  try {
    template = await limiter.run(() => sk.templates.get(inputs.slug));
  } catch (error) {
    throw failure(`importing template "${inputs.slug}"`, error);
  }
  const existing = templateOutputs(template, inputs);
  const differing = [
    existing.channel !== inputs.channel ? "channel" : undefined,
    ...Object.keys(changedFields(existing, inputs)),
  ].filter((name) => name !== undefined);
  if (differing.length > 0) {
    throw new Error(
      `importing template "${inputs.slug}": the declaration differs from the template in SenderKit in ` +
        `${differing.join(", ")}. Declare what SenderKit holds (\`pulumi refresh\` cannot, the resource is not ` +
        "in the state yet), or drop `import` and set `adopt: true` to take the template over with the declared state.",
    );
  }
  return template;
}

/** An existing template with the declared slug: same channel required, then brought to the declared state. */
async function adopt(sk: SenderKit, limiter: RateLimiter, inputs: TemplateInputs): Promise<ApiTemplate> {
  try {
    const existing = templateOutputs(await limiter.run(() => sk.templates.get(inputs.slug)), inputs);
    if (existing.channel !== inputs.channel) {
      throw new Error(
        `a template with this slug exists on the ${existing.channel} channel, and a channel cannot be changed: ` +
          `declare channel "${existing.channel}", or delete the existing template first`,
      );
    }
    const changes = changedFields(existing, inputs);
    return await limiter.run(() =>
      Object.keys(changes).length > 0 ? sk.templates.update(inputs.slug, changes) : sk.templates.get(inputs.slug),
    );
  } catch (error) {
    throw failure(`adopting template "${inputs.slug}"`, error);
  }
}

/** The PATCH body that turns `from` into `to`: only what differs, so an unchanged content makes no version. */
function changedFields(from: Omit<TemplateInputs, "adopt">, to: TemplateInputs): TemplateUpdateParams {
  const changes: TemplateUpdateParams = {};
  if (from.name !== to.name) changes.name = to.name;
  if ((from.description ?? "") !== to.description) changes.description = to.description;
  if (contentChanged(from.content, to.content)) changes.content = to.content;
  return changes;
}

/** The server's template, with the provider's own settings (adopt, the hidden inputs) carried along. */
function templateOutputs(
  template: ApiTemplate,
  kept: Pick<TemplateInputs, "adopt" | "__identity" | "__import">,
): TemplateOutputs {
  return withoutUndefined({
    slug: template.slug,
    name: template.name,
    channel: template.channel,
    description: template.description,
    content: withoutNullish(template.currentVersion.content),
    adopt: kept.adopt,
    __identity: kept.__identity,
    __import: kept.__import,
    version: template.currentVersion.version,
    variables: template.currentVersion.variables,
    requiredVariables: template.currentVersion.requiredVariables,
    createdAt: template.createdAt,
    updatedAt: template.updatedAt,
  }) as TemplateOutputs;
}

function changed(old: unknown, next: unknown): boolean {
  return containsUnknown(next) || !deepEqual(old, next);
}

/** `text: null` and an absent `text` are the same content. */
function contentChanged(old: unknown, next: unknown): boolean {
  if (containsUnknown(next)) return true;
  if (!isRecord(old) || !isRecord(next)) return !deepEqual(old, next);
  return !deepEqual(withoutNullish(old), withoutNullish(next));
}

/** The serializable provider `Template` registers (it loads `templateOperations` when called). */
export const templateProvider = lazyProvider<TemplateInputs, TemplateOutputs>({
  url: import.meta.url,
  pathInPackage: "lib/provider/template.js",
  exportName: "templateOperations",
});

/**
 * A SenderKit template managed by Pulumi.
 *
 * ```ts
 * new Template("welcome", { slug: "welcome", name: "Welcome", channel: "email",
 *   content: { subject: "Welcome, {{ name }}", html: "<p>Hi {{ name }}</p>" } });
 * ```
 */
export class Template extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly channel: pulumi.Output<Channel>;
  declare readonly description: pulumi.Output<string>;
  declare readonly content: pulumi.Output<Record<string, unknown>>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly version: pulumi.Output<number>;
  declare readonly variables: pulumi.Output<string[]>;
  declare readonly requiredVariables: pulumi.Output<string[]>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  /**
   * `import: "<slug>"` in `opts` takes over an existing template whose declaration matches it
   * (nothing is written); a mismatch fails and names the differing properties.
   */
  constructor(name: string, args: TemplateArgs, opts?: pulumi.CustomResourceOptions) {
    const registration = withHiddenInputs(name, "Template", opts);
    const props: Record<Exclude<keyof TemplateOutputs, "__identity" | "__import">, unknown> = {
      slug: args.slug,
      name: args.name,
      channel: args.channel,
      description: args.description,
      content: args.content,
      adopt: args.adopt,
      // Outputs only: registered as undefined so the resource exposes them.
      version: undefined,
      variables: undefined,
      requiredVariables: undefined,
      createdAt: undefined,
      updatedAt: undefined,
    };
    super(templateProvider, name, { ...props, ...registration.hidden }, registration.opts, "senderkit", "Template");
  }

  /** The template with this slug, read from SenderKit into the program; Pulumi does not manage it. */
  static get(name: string, slug: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): Template {
    return new Template(name, {} as TemplateArgs, { ...opts, id: slug });
  }
}

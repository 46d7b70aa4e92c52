// The Template resource: a SenderKit template (contract section 6) owned by `pulumi up`.
//
//   slug, channel             fixed by the API: a change replaces the template
//   name, description,        updated in place; the API makes a new version only when the
//   content                   content really changed
//   adopt                     only used when creating: take over an existing slug
import * as pulumi from "@pulumi/pulumi";
import { ConflictError, NotFoundError, templateDefinitionIssues } from "../src/index.ts";
import type { Channel, SenderKit, Template as ApiTemplate, TemplateUpdateParams } from "../src/index.ts";
import { configureProvider, senderKit, withCallLimit } from "./config.ts";
import { lazyProvider } from "./lazy-provider.ts";
import type { ProviderOperations } from "./lazy-provider.ts";
import { checkFailures, containsUnknown, deepEqual, failure, isRecord, withoutNullish, withoutUndefined } from "./properties.ts";

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
export type TemplateContentArgs = EmailTemplateContent | SmsTemplateContent | PushTemplateContent | WebPushTemplateContent;

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

/** What each engine call does for a Template; runs in the provider process (see lazy-provider.ts). */
export const templateOperations: ProviderOperations<TemplateInputs, TemplateOutputs> = withCallLimit({
  async configure(request) {
    await configureProvider(request.config);
  },

  async check(_olds, news) {
    const inputs = withoutUndefined({
      slug: news.slug,
      name: news.name,
      channel: news.channel,
      description: news.description ?? "",
      content: isRecord(news.content) ? withoutNullish(news.content) : news.content,
      adopt: news.adopt ?? false,
    });
    const issues = templateDefinitionIssues(inputs);
    if (typeof inputs.adopt !== "boolean") issues.push({ path: ["adopt"], message: "expected a boolean" });
    return { inputs: inputs as TemplateInputs, failures: checkFailures(issues, inputs) };
  },

  async diff(_id, olds, news) {
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
    let template: ApiTemplate;
    try {
      template = await senderKit().templates.create({
        slug: inputs.slug,
        name: inputs.name,
        channel: inputs.channel,
        description: inputs.description,
        content: inputs.content,
      });
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === "template_exists")) {
        throw failure(`creating template "${inputs.slug}"`, error);
      }
      if (!inputs.adopt) {
        throw new Error(
          `creating template "${inputs.slug}": a template with this slug already exists. ` +
            "Set `adopt: true` to take it over with Pulumi, or choose another slug.",
        );
      }
      template = await adopt(senderKit(), inputs);
    }
    return { id: template.slug, outs: templateOutputs(template, inputs.adopt) };
  },

  async read(id, props) {
    try {
      const template = await senderKit().templates.get(id);
      return { id: template.slug, props: templateOutputs(template, props?.adopt ?? false) };
    } catch (error) {
      // Deleted outside Pulumi: no id tells the engine it is gone.
      if (error instanceof NotFoundError) return {};
      throw failure(`reading template "${id}"`, error);
    }
  },

  async update(id, olds, news) {
    const changes = changedFields(olds, news);
    try {
      const sk = senderKit();
      const template = Object.keys(changes).length > 0 ? await sk.templates.update(id, changes) : await sk.templates.get(id);
      return { outs: templateOutputs(template, news.adopt) };
    } catch (error) {
      throw failure(`updating template "${id}"`, error);
    }
  },

  async delete(id) {
    try {
      await senderKit().templates.delete(id);
    } catch (error) {
      // Already gone is what delete wants.
      if (error instanceof NotFoundError) return;
      throw failure(`deleting template "${id}"`, error);
    }
  },
});

/** An existing template with the declared slug: same channel required, then brought to the declared state. */
async function adopt(sk: SenderKit, inputs: TemplateInputs): Promise<ApiTemplate> {
  try {
    const existing = templateOutputs(await sk.templates.get(inputs.slug), true);
    if (existing.channel !== inputs.channel) {
      throw new Error(
        `a template with this slug exists on the ${existing.channel} channel, and a channel cannot be changed: ` +
          `declare channel "${existing.channel}", or delete the existing template first`,
      );
    }
    const changes = changedFields(existing, inputs);
    return Object.keys(changes).length > 0 ? await sk.templates.update(inputs.slug, changes) : await sk.templates.get(inputs.slug);
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

function templateOutputs(template: ApiTemplate, adopt: boolean): TemplateOutputs {
  return {
    slug: template.slug,
    name: template.name,
    channel: template.channel,
    description: template.description,
    content: withoutNullish(template.currentVersion.content),
    adopt,
    version: template.currentVersion.version,
    variables: template.currentVersion.variables,
    requiredVariables: template.currentVersion.requiredVariables,
    createdAt: template.createdAt,
    updatedAt: template.updatedAt,
  };
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

  constructor(name: string, args: TemplateArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<keyof TemplateOutputs, unknown> = {
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
    super(templateProvider, name, props, opts, "senderkit", "Template");
  }
}

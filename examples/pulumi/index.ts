// A Pulumi program owning a team's SenderKit setup: one Template per file in ../templates (the
// files the GitHub Action lints) and the webhook endpoint a service receives events on, whose
// signing secret is exported as a Pulumi secret for that service.
//
// The whole quick start (Pulumi CLI, backend, sandbox) is in the README's "The Pulumi provider":
//   pulumi login --local && pulumi stack init dev
//   pulumi config set --secret senderkit:apiKey sk_test_…
//   pulumi config set senderkit:baseUrl http://127.0.0.1:4010          # the sandbox; omit for SenderKit
//   pulumi config set webhookUrl http://localhost:3000/webhooks/senderkit  # required
//   pulumi up
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Template, WebhookEndpoint } from "senderkit/pulumi";
import type { TemplateArgs, WebhookEndpointArgs } from "senderkit/pulumi";

const config = new pulumi.Config();

/** A template file as the Action reads it; `fixtures` are for linting and previews only. */
interface TemplateFile {
  slug: string;
  name: string;
  channel: TemplateArgs["channel"];
  description?: string;
  content: TemplateArgs["content"];
}

const TEMPLATE_FILE = /\.(ya?ml|json)$/i;

function readTemplateFiles(dir: string): { file: string; template: TemplateFile }[] {
  return fs
    .readdirSync(dir)
    .filter((name) => TEMPLATE_FILE.test(name))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const parsed: unknown = parse(fs.readFileSync(file, "utf8"));
      const template = parsed as Partial<TemplateFile> | null;
      // Fail the program (not the provider) on a file that is not a template at all; the
      // provider's check reports the finer problems (bad slug, syntax errors with line and column).
      for (const field of ["slug", "name", "channel"] as const) {
        if (typeof template?.[field] !== "string") throw new Error(`${file}: "${field}" must be a string`);
      }
      if (typeof template?.content !== "object" || template.content === null) throw new Error(`${file}: "content" must be an object`);
      return { file, template: template as TemplateFile };
    });
}

// Pulumi runs the program in this project's directory.
const templatesDir = path.resolve(config.get("templatesDir") ?? "../templates");
const adopt = config.getBoolean("adoptTemplates") ?? false;

const templates = readTemplateFiles(templatesDir).map(
  ({ template }) =>
    new Template(template.slug, {
      slug: template.slug,
      name: template.name,
      channel: template.channel,
      description: template.description ?? "",
      content: template.content,
      adopt,
    }),
);

const endpointArgs: WebhookEndpointArgs = {
  url: config.require("webhookUrl"),
  events: config.getObject<WebhookEndpointArgs["events"]>("webhookEvents") ?? ["message.delivered", "message.failed", "message.bounced"],
  description: `senderkit-example (${pulumi.getStack()})`,
  secretVersion: config.getNumber("webhookSecretVersion") ?? 1,
};
const endpoint = new WebhookEndpoint("events", endpointArgs);

/** Each template's current version, by slug. */
export const templateVersions = pulumi
  .all(templates.map((template) => pulumi.all([template.slug, template.version])))
  .apply((pairs) => Object.fromEntries(pairs));
/** Variables a send must give, by slug. */
export const requiredVariables = pulumi
  .all(templates.map((template) => pulumi.all([template.slug, template.requiredVariables])))
  .apply((pairs) => Object.fromEntries(pairs));
export const webhookEndpointId = endpoint.endpointId;
/** Hand this to the service that verifies deliveries (`pulumi stack output --show-secrets webhookSigningSecret`). */
export const webhookSigningSecret = pulumi.secret(endpoint.signingSecret);

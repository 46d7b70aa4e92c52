// A Pulumi program owning a team's SenderKit setup: one Template per file in ../templates (the
// files the GitHub Action lints, through TemplateFiles) and the webhook endpoint a service
// receives events on, whose signing secret is exported as a Pulumi secret for that service.
//
// The whole quick start (Pulumi CLI, backend, sandbox) is in the README's "The Pulumi provider":
//   pulumi login --local && pulumi stack init dev
//   pulumi config set --secret senderkit:apiKey sk_test_…
//   pulumi config set senderkit:baseUrl http://127.0.0.1:4010          # the sandbox; omit for SenderKit
//   pulumi config set webhookUrl http://localhost:3000/webhooks/senderkit  # required
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { TemplateFiles, WebhookEndpoint } from "senderkit/pulumi";
import type { WebhookEndpointArgs } from "senderkit/pulumi";

const config = new pulumi.Config();

// Pulumi runs the program in this project's directory. Every file is linted first (the same
// findings as `senderkit lint`): an error fails the program at its file:line:column, before
// anything is deployed.
const templates = new TemplateFiles("templates", {
  dir: config.get("templatesDir") ?? "../templates",
  adopt: config.getBoolean("adoptTemplates") ?? false,
  // Stacks deployed before this program used TemplateFiles hold these Templates at the stack's
  // root: the alias keeps them (no create, no delete) now that the component is their parent.
  templateOptions: { aliases: [{ parent: pulumi.rootStackResource }] },
});

const endpointArgs: WebhookEndpointArgs = {
  url: config.require("webhookUrl"),
  events: config.getObject<WebhookEndpointArgs["events"]>("webhookEvents") ?? [
    "message.delivered",
    "message.failed",
    "message.bounced",
  ],
  description: `senderkit-example (${pulumi.getStack()})`,
  secretVersion: config.getNumber("webhookSecretVersion") ?? 1,
};
const endpoint = new WebhookEndpoint("events", endpointArgs);

/** Each template's current version, by slug. */
export const templateVersions = templates.versions;
/** Variables a send must give, by slug. */
export const requiredVariables = templates.requiredVariables;
export const webhookEndpointId = endpoint.endpointId;
/** Hand this to the service that verifies deliveries (`pulumi stack output --show-secrets webhookSigningSecret`). */
export const webhookSigningSecret = pulumi.secret(endpoint.signingSecret);

// The WebhookEndpoint resource: a SenderKit webhook endpoint (contract section 8) owned by
// `pulumi up`, with its signing secret kept as a Pulumi secret.
//
// The API returns the `whsec_…` secret only from create and rotate_secret, so the provider
// carries it from the old state through every update and refresh. Only a raised
// `secretVersion` changes it (rotate_secret: the old secret keeps signing deliveries for
// `expirePreviousAfterSeconds`). Every other property is updated in place: nothing replaces the
// endpoint, so nothing mints a new secret by accident.
import * as pulumi from "@pulumi/pulumi";
import { NotFoundError, webhookEndpointIssues } from "../src/index.ts";
import type { EventType, WebhookEndpoint as ApiWebhookEndpoint, WebhookEndpointUpdateParams } from "../src/index.ts";
import type { Issue } from "../src/index.ts";
import { rotationOverlapProblem } from "../src/rules.ts";
import { apiKeyMode, configureProvider, senderKit, withCallLimit } from "./config.ts";
import { lazyProvider } from "./lazy-provider.ts";
import type { ProviderOperations } from "./lazy-provider.ts";
import { checkFailures, containsUnknown, failure, sameSet, withoutUndefined } from "./properties.ts";

/** The API's default overlap: the previous secret stays valid for a day after a rotation. */
export const DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS = 86_400;

export interface WebhookEndpointArgs {
  /** https:// (http://localhost and http://127.0.0.1 with a test key). */
  url: pulumi.Input<string>;
  /** Event types, or ["*"] for all; order does not matter. */
  events: pulumi.Input<pulumi.Input<EventType | "*">[]>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** Default true. */
  enabled?: pulumi.Input<boolean>;
  /**
   * Raise it (1, 2, 3, …) to rotate the signing secret in place. Default 1. It can only go up.
   */
  secretVersion?: pulumi.Input<number>;
  /**
   * How long the previous secret keeps signing deliveries after a rotation: 0 to 604800
   * seconds. Default 86400. Only used when `secretVersion` is raised.
   */
  expirePreviousAfterSeconds?: pulumi.Input<number>;
}

/** The inputs once checked: defaults filled in. */
export interface WebhookEndpointInputs {
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  secretVersion: number;
  expirePreviousAfterSeconds: number;
}

/** What the provider stores in the state and the resource exposes. */
export interface WebhookEndpointOutputs extends WebhookEndpointInputs {
  /** The endpoint's id (`we_…`), also the resource id. */
  endpointId: string;
  createdAt: string;
  /** The `whsec_…` secret that signs deliveries; a Pulumi secret. */
  signingSecret: string | undefined;
}

/** What each engine call does for a WebhookEndpoint; runs in the provider process (see lazy-provider.ts). */
export const webhookEndpointOperations: ProviderOperations<WebhookEndpointInputs, WebhookEndpointOutputs> = withCallLimit({
  async configure(request) {
    await configureProvider(request.config);
  },

  async check(olds, news) {
    const inputs = withoutUndefined({
      url: news.url,
      events: news.events,
      description: news.description ?? "",
      enabled: news.enabled ?? true,
      secretVersion: news.secretVersion ?? 1,
      expirePreviousAfterSeconds: news.expirePreviousAfterSeconds ?? DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS,
    });
    // Without a well-formed key the mode is unknown: let the API judge a localhost URL.
    const issues: Issue[] = webhookEndpointIssues(inputs, apiKeyMode() ?? "test");
    if (!isIntegerFrom(inputs.secretVersion, 1)) {
      issues.push({ path: ["secretVersion"], message: "expected an integer of 1 or more" });
    } else if (typeof olds.secretVersion === "number" && (inputs.secretVersion as number) < olds.secretVersion) {
      issues.push({
        path: ["secretVersion"],
        message:
          `it was ${olds.secretVersion} and can only go up: a secret cannot be un-rotated. ` +
          `Keep ${olds.secretVersion}, or raise it to ${olds.secretVersion + 1} to rotate again`,
      });
    }
    const overlapProblem = rotationOverlapProblem(inputs.expirePreviousAfterSeconds);
    if (overlapProblem) issues.push({ path: ["expirePreviousAfterSeconds"], message: overlapProblem });
    return { inputs: inputs as WebhookEndpointInputs, failures: checkFailures(issues, inputs) };
  },

  async diff(_id, olds, news) {
    const changes =
      changed(olds.url, news.url) ||
      containsUnknown(news.events) ||
      !sameSet(olds.events, news.events) ||
      changed(olds.description ?? "", news.description) ||
      changed(olds.enabled, news.enabled) ||
      rotationRequested(olds, news);
    // Nothing replaces an endpoint: a replacement would mint a new secret.
    return { changes, replaces: [] };
  },

  async create(inputs) {
    let endpoint: ApiWebhookEndpoint;
    try {
      endpoint = await senderKit().webhookEndpoints.create({
        url: inputs.url,
        events: inputs.events as (EventType | "*")[],
        description: inputs.description,
        enabled: inputs.enabled,
      });
    } catch (error) {
      throw failure("creating webhook endpoint", error);
    }
    if (endpoint.secret === undefined) {
      throw new Error(`creating webhook endpoint ${endpoint.id}: the API returned no signing secret; delete the endpoint and retry`);
    }
    return { id: endpoint.id, outs: endpointOutputs(endpoint, inputs, endpoint.secret) };
  },

  async read(id, props) {
    try {
      const endpoint = await senderKit().webhookEndpoints.get(id);
      // The secret cannot be read back: it stays what the state holds.
      const kept = {
        secretVersion: props?.secretVersion ?? 1,
        expirePreviousAfterSeconds: props?.expirePreviousAfterSeconds ?? DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS,
      };
      return { id: endpoint.id, props: endpointOutputs(endpoint, kept, props?.signingSecret) };
    } catch (error) {
      // Deleted outside Pulumi: no id tells the engine it is gone.
      if (error instanceof NotFoundError) return {};
      throw failure(`reading webhook endpoint ${id}`, error);
    }
  },

  async update(id, olds, news) {
    const changes: WebhookEndpointUpdateParams = {};
    if (olds.url !== news.url) changes.url = news.url;
    if (!sameSet(olds.events, news.events)) changes.events = news.events as (EventType | "*")[];
    if ((olds.description ?? "") !== news.description) changes.description = news.description;
    if (olds.enabled !== news.enabled) changes.enabled = news.enabled;
    try {
      const endpoints = senderKit().webhookEndpoints;
      // Properties first, rotation last: if the update fails, no new secret is lost with it.
      let endpoint = Object.keys(changes).length > 0 ? await endpoints.update(id, changes) : undefined;
      let signingSecret = olds.signingSecret;
      if (rotationRequested(olds, news)) {
        endpoint = await endpoints.rotateSecret(id, { expirePreviousAfterSeconds: news.expirePreviousAfterSeconds });
        if (endpoint.secret === undefined) {
          throw new Error(`the API returned no new signing secret; raise secretVersion again to rotate once more`);
        }
        signingSecret = endpoint.secret;
      }
      endpoint ??= await endpoints.get(id);
      return { outs: endpointOutputs(endpoint, news, signingSecret) };
    } catch (error) {
      throw failure(`updating webhook endpoint ${id}`, error);
    }
  },

  async delete(id) {
    try {
      await senderKit().webhookEndpoints.delete(id);
    } catch (error) {
      // Already gone is what delete wants.
      if (error instanceof NotFoundError) return;
      throw failure(`deleting webhook endpoint ${id}`, error);
    }
  },
});

/** Only a raised secretVersion rotates; states from before it existed count as version 1. */
function rotationRequested(olds: Partial<WebhookEndpointOutputs>, news: WebhookEndpointInputs): boolean {
  return containsUnknown(news.secretVersion) || news.secretVersion > (olds.secretVersion ?? 1);
}

function endpointOutputs(
  endpoint: ApiWebhookEndpoint,
  settings: Pick<WebhookEndpointInputs, "secretVersion" | "expirePreviousAfterSeconds">,
  signingSecret: string | undefined,
): WebhookEndpointOutputs {
  // No secret (an endpoint read without state) is left out rather than sent as undefined.
  return withoutUndefined({
    endpointId: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt,
    secretVersion: settings.secretVersion,
    expirePreviousAfterSeconds: settings.expirePreviousAfterSeconds,
    signingSecret,
  }) as WebhookEndpointOutputs;
}

function changed(old: unknown, next: unknown): boolean {
  return containsUnknown(next) || old !== next;
}

function isIntegerFrom(value: unknown, min: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min;
}

/** The serializable provider `WebhookEndpoint` registers (it loads `webhookEndpointOperations` when called). */
export const webhookEndpointProvider = lazyProvider<WebhookEndpointInputs, WebhookEndpointOutputs>({
  url: import.meta.url,
  pathInPackage: "lib/provider/webhook-endpoint.js",
  exportName: "webhookEndpointOperations",
});

/**
 * A SenderKit webhook endpoint managed by Pulumi. `signingSecret` is a Pulumi secret; hand it to
 * the service that verifies deliveries (`WebhookVerifier` in `senderkit`).
 *
 * ```ts
 * const hook = new WebhookEndpoint("orders", { url: "https://example.com/hooks/senderkit",
 *   events: ["message.delivered", "message.failed"] });
 * export const signingSecret = hook.signingSecret;
 * ```
 */
export class WebhookEndpoint extends pulumi.dynamic.Resource {
  declare readonly endpointId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly events: pulumi.Output<string[]>;
  declare readonly description: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly secretVersion: pulumi.Output<number>;
  declare readonly expirePreviousAfterSeconds: pulumi.Output<number>;
  /** The `whsec_…` signing secret, a Pulumi secret (encrypted in the state, masked in output). */
  declare readonly signingSecret: pulumi.Output<string>;

  constructor(name: string, args: WebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<keyof WebhookEndpointOutputs, unknown> = {
      url: args.url,
      events: args.events,
      description: args.description,
      enabled: args.enabled,
      secretVersion: args.secretVersion,
      expirePreviousAfterSeconds: args.expirePreviousAfterSeconds,
      // Outputs only: registered as undefined so the resource exposes them.
      endpointId: undefined,
      createdAt: undefined,
      signingSecret: undefined,
    };
    // The engine encrypts the secret in the state because of this option, not because of anything
    // the provider returns (the dynamic provider protocol carries no secret markers).
    const secretOpts = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["signingSecret"] });
    super(webhookEndpointProvider, name, props, secretOpts, "senderkit", "WebhookEndpoint");
  }
}

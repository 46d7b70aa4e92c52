// The WebhookEndpoint resource: a SenderKit webhook endpoint (contract section 8) owned by
// `pulumi up`, with its signing secret kept as a Pulumi secret.
//
// The API returns the `whsec_…` secret only from create and rotate_secret, so the provider
// carries it from the old state through every update and refresh. Only a raised
// `secretVersion` changes it (rotate_secret: the old secret keeps signing deliveries for
// `expirePreviousAfterSeconds`). Every other property is updated in place: nothing replaces the
// endpoint, so nothing mints a new secret by accident.
import * as pulumi from "@pulumi/pulumi";
import { NotFoundError } from "../src/index.ts";
import { webhookEndpointIssues } from "../src/resources/webhook-endpoints.ts";
import type { EventType, WebhookEndpoint as ApiWebhookEndpoint, WebhookEndpointUpdateParams } from "../src/index.ts";
import type { Issue } from "../src/index.ts";
import { rotationOverlapProblem } from "../src/internal/rules.ts";
import { apiClient, apiKeyMode, withConfigure } from "./config.ts";
import { createKey, createOnce } from "./create-keys.ts";
import { withHiddenInputs } from "./resource-options.ts";
import { lazyProvider } from "./lazy-provider.ts";
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
  /** Hidden: the resource's URN, for the create's idempotency key (create-keys.ts). */
  __identity?: string;
  /** Hidden: the endpoint id of the `import:` option, which the class turns into a create that only reads. */
  __import?: string;
}

/** What the provider stores in the state and the resource exposes. */
export interface WebhookEndpointOutputs extends WebhookEndpointInputs {
  /** The endpoint's id (`we_…`), also the resource id. */
  endpointId: string;
  createdAt: string;
  /** The `whsec_…` secret that signs deliveries; a Pulumi secret. Absent for an imported endpoint until rotated. */
  signingSecret: string | undefined;
}

/** What each engine call does for a WebhookEndpoint; runs in the provider process (see lazy-provider.ts). */
export const webhookEndpointOperations = withConfigure<WebhookEndpointInputs, WebhookEndpointOutputs>({
  async check(olds, news) {
    const inputs = withoutUndefined({
      url: news.url,
      events: news.events,
      description: news.description ?? "",
      enabled: news.enabled ?? true,
      secretVersion: news.secretVersion ?? 1,
      expirePreviousAfterSeconds: news.expirePreviousAfterSeconds ?? DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS,
      __identity: news.__identity,
      __import: news.__import,
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
    if (inputs.__import !== undefined) {
      const endpoint = await importEndpoint(inputs, inputs.__import);
      // The API never shows a secret again: an imported endpoint has none until it is rotated.
      return { id: endpoint.id, outs: endpointOutputs(endpoint, inputs, undefined) };
    }
    let endpoint: ApiWebhookEndpoint;
    try {
      endpoint = await createEndpoint(inputs);
    } catch (error) {
      throw failure("creating webhook endpoint", error);
    }
    if (endpoint.secret === undefined) {
      throw new Error(
        `creating webhook endpoint ${endpoint.id}: the API returned no signing secret; delete the endpoint and retry`,
      );
    }
    return { id: endpoint.id, outs: endpointOutputs(endpoint, inputs, endpoint.secret) };
  },

  async read(id, props) {
    try {
      const { sk, limiter } = apiClient();
      const endpoint = await limiter.run(() => sk.webhookEndpoints.get(id));
      // The secret cannot be read back: it stays what the state holds.
      const kept = {
        secretVersion: props?.secretVersion ?? 1,
        expirePreviousAfterSeconds: props?.expirePreviousAfterSeconds ?? DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS,
        __identity: props?.__identity,
        __import: props?.__import,
      };
      const outs = endpointOutputs(endpoint, kept, props?.signingSecret);
      // The inputs too, from what the server holds now (see template.ts's read).
      const { endpointId, createdAt, signingSecret, ...inputs } = outs;
      return { id: endpoint.id, props: outs, inputs };
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
      const { sk, limiter } = apiClient();
      const endpoints = sk.webhookEndpoints;
      // Properties first, rotation last: if the update fails, no new secret is lost with it.
      let endpoint =
        Object.keys(changes).length > 0 ? await limiter.run(() => endpoints.update(id, changes)) : undefined;
      let signingSecret = olds.signingSecret;
      if (rotationRequested(olds, news)) {
        const params = { expirePreviousAfterSeconds: news.expirePreviousAfterSeconds };
        // One key per endpoint and secretVersion: a rotation whose answer was lost is replayed,
        // new secret included, by the next `up`, rather than rotated again.
        const idempotencyKey = createKey("rotation", id, { ...params, secretVersion: news.secretVersion }, 0);
        endpoint = await limiter.run(() => endpoints.rotateSecret(id, params, { idempotencyKey }));
        if (endpoint.secret === undefined) {
          throw new Error(`the API returned no new signing secret; raise secretVersion again to rotate once more`);
        }
        signingSecret = endpoint.secret;
      }
      endpoint ??= await limiter.run(() => endpoints.get(id));
      return { outs: endpointOutputs(endpoint, news, signingSecret) };
    } catch (error) {
      throw failure(`updating webhook endpoint ${id}`, error);
    }
  },

  async delete(id) {
    try {
      const { sk, limiter } = apiClient();
      await limiter.run(() => sk.webhookEndpoints.delete(id));
    } catch (error) {
      // Already gone is what delete wants.
      if (error instanceof NotFoundError) return;
      throw failure(`deleting webhook endpoint ${id}`, error);
    }
  },
});

/**
 * POST /v1/webhook_endpoints with a key derived from the resource and its declaration. A replayed
 * answer counts only if its endpoint still exists (else it was deleted since: next generation).
 */
async function createEndpoint(inputs: WebhookEndpointInputs): Promise<ApiWebhookEndpoint> {
  const { sk, limiter } = apiClient();
  const params = {
    url: inputs.url,
    events: inputs.events as (EventType | "*")[],
    description: inputs.description,
    enabled: inputs.enabled,
  };
  return createOnce<ApiWebhookEndpoint>(
    (generation) => createKey("webhook_endpoint", inputs.__identity, params, generation),
    {
      async attempt(key) {
        try {
          const value = await limiter.run(() => sk.webhookEndpoints.create(params, { idempotencyKey: key }));
          return { value, replayed: limiter.takeReplayed(key) };
        } catch (error) {
          return { error, replayed: limiter.takeReplayed(key) };
        }
      },
      async stillThere(outcome) {
        if ("error" in outcome) return true;
        try {
          await limiter.run(() => sk.webhookEndpoints.get(outcome.value.id));
          return true;
        } catch (error) {
          if (error instanceof NotFoundError) return false;
          throw error;
        }
      },
    },
  );
}

/** The `import:` option: the endpoint as it is, if the declaration matches it; nothing is written. */
async function importEndpoint(inputs: WebhookEndpointInputs, id: string): Promise<ApiWebhookEndpoint> {
  const { sk, limiter } = apiClient();
  let endpoint: ApiWebhookEndpoint;
  try {
    endpoint = await limiter.run(() => sk.webhookEndpoints.get(id));
  } catch (error) {
    throw failure(`importing webhook endpoint ${id}`, error);
  }
  const differing = [
    endpoint.url !== inputs.url ? "url" : undefined,
    sameSet(endpoint.events, inputs.events) ? undefined : "events",
    endpoint.description !== inputs.description ? "description" : undefined,
    endpoint.enabled !== inputs.enabled ? "enabled" : undefined,
  ].filter((name) => name !== undefined);
  if (differing.length > 0) {
    throw new Error(
      `importing webhook endpoint ${id}: the declaration differs from the endpoint in SenderKit in ${differing.join(", ")}; ` +
        "declare what SenderKit holds",
    );
  }
  return endpoint;
}

/** Only a raised secretVersion rotates; states from before it existed count as version 1. */
function rotationRequested(olds: Partial<WebhookEndpointOutputs>, news: WebhookEndpointInputs): boolean {
  return containsUnknown(news.secretVersion) || news.secretVersion > (olds.secretVersion ?? 1);
}

function endpointOutputs(
  endpoint: ApiWebhookEndpoint,
  settings: Pick<WebhookEndpointInputs, "secretVersion" | "expirePreviousAfterSeconds" | "__identity" | "__import">,
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
    __identity: settings.__identity,
    __import: settings.__import,
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

  /**
   * `import: "we_…"` in `opts` takes over an existing endpoint whose declaration matches it. Its
   * `signingSecret` is then absent (the API never shows a secret again) until `secretVersion` is
   * raised, which rotates it and yields a secret the state holds.
   */
  constructor(name: string, args: WebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const registration = withHiddenInputs(name, "WebhookEndpoint", opts);
    const props: Record<Exclude<keyof WebhookEndpointOutputs, "__identity" | "__import">, unknown> = {
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
    const secretOpts = pulumi.mergeOptions(registration.opts, { additionalSecretOutputs: ["signingSecret"] });
    super(
      webhookEndpointProvider,
      name,
      { ...props, ...registration.hidden },
      secretOpts,
      "senderkit",
      "WebhookEndpoint",
    );
  }

  /** The endpoint with this id, read from SenderKit into the program (no signing secret); Pulumi does not manage it. */
  static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): WebhookEndpoint {
    return new WebhookEndpoint(name, {} as WebhookEndpointArgs, { ...opts, id });
  }
}

import { invalidInput } from "../errors.ts";
import type { HttpClient } from "../internal/http.ts";
import { toRenderResult, toTemplate, toTemplateVersion } from "../objects.ts";
import type { Page, RenderResult, Template, TemplateVersion } from "../objects.ts";
import { iteratePages, listQuery } from "../internal/pagination.ts";
import { withoutUndefined } from "../internal/send-params.ts";
import type { ListParams } from "../internal/pagination.ts";
import { CHANNELS } from "../internal/rules.ts";
import type { Channel } from "../internal/rules.ts";
import {
  listSchema,
  once,
  renderResultSchema,
  templateSchema,
  templateVersionSchema,
} from "../internal/wire-schemas.ts";
import { segment } from "../internal/segment.ts";

export interface TemplateListParams extends ListParams {
  channel?: Channel | undefined;
}

export interface TemplateCreateParams {
  slug: string;
  name: string;
  channel: Channel;
  description?: string | undefined;
  /** The channel's fields, named as in the contract, without `type`. */
  content: Record<string, unknown>;
}

export interface TemplateUpdateParams {
  name?: string | undefined;
  description?: string | undefined;
  /** Replaces the whole content; a changed content makes a new version. */
  content?: Record<string, unknown> | undefined;
}

/**
 * The template checks, loaded on first use: they bring the template language and every content
 * schema, which a program that only sends never needs at start-up.
 */
const templateDefinition = once(() => import("../internal/template-definition.ts"));

const templateListSchema = once(() => listSchema(templateSchema()));
const versionListSchema = once(() => listSchema(templateVersionSchema()));

export class Templates {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  async list(params: TemplateListParams = {}): Promise<Page<Template>> {
    if (params.channel !== undefined && !CHANNELS.includes(params.channel)) {
      throw invalidInput([{ path: ["channel"], message: `expected one of ${CHANNELS.join(", ")}` }]);
    }
    const { data } = await this.#http.request({
      method: "GET",
      path: "/v1/templates",
      query: listQuery({ ...params }),
      schema: templateListSchema(),
    });
    return { data: data.data.map(toTemplate), nextCursor: data.next_cursor ?? null };
  }

  iter(params: TemplateListParams = {}): AsyncGenerator<Template, void, undefined> {
    return iteratePages(params, (page) => this.list(page));
  }

  async get(slug: string): Promise<Template> {
    const { data } = await this.#http.request({
      method: "GET",
      path: `/v1/templates/${segment(slug, "slug")}`,
      schema: templateSchema(),
    });
    return toTemplate(data);
  }

  /** Versions, newest first (one page). */
  async versions(slug: string, params: ListParams = {}): Promise<Page<TemplateVersion>> {
    const { data } = await this.#http.request({
      method: "GET",
      path: `/v1/templates/${segment(slug, "slug")}/versions`,
      query: listQuery({ ...params }),
      schema: versionListSchema(),
    });
    return { data: data.data.map(toTemplateVersion), nextCursor: data.next_cursor ?? null };
  }

  /** Rejects a bad slug, content or placeholder (with line and column) before sending. */
  async create(params: TemplateCreateParams, options: { idempotencyKey?: string } = {}): Promise<Template> {
    const { templateDefinitionIssues } = await templateDefinition();
    const issues = templateDefinitionIssues(params);
    if (issues.length > 0) throw invalidInput(issues);
    const body = {
      slug: params.slug,
      name: params.name,
      channel: params.channel,
      description: params.description,
      content: params.content,
    };
    const { data } = await this.#http.request({
      method: "POST",
      path: "/v1/templates",
      body: withoutUndefined(body),
      idempotencyKey: options.idempotencyKey,
      schema: templateSchema(),
    });
    return toTemplate(data);
  }

  async update(slug: string, params: TemplateUpdateParams): Promise<Template> {
    const { contentIssues, templateDefinitionIssues } = await templateDefinition();
    const issues = templateDefinitionIssues({ name: params.name, description: params.description }, { partial: true });
    if (params.content !== undefined) {
      // The channel is fixed at creation, so content is checked against the stored template's.
      const current = await this.get(slug);
      issues.push(...contentIssues(current.channel, params.content));
    }
    if (issues.length > 0) throw invalidInput(issues);
    const body = { name: params.name, description: params.description, content: params.content };
    const { data } = await this.#http.request({
      method: "PATCH",
      path: `/v1/templates/${segment(slug, "slug")}`,
      body: withoutUndefined(body),
      schema: templateSchema(),
    });
    return toTemplate(data);
  }

  async delete(slug: string): Promise<void> {
    await this.#http.request({ method: "DELETE", path: `/v1/templates/${segment(slug, "slug")}` });
  }

  /** Renders a saved template (the current version unless `version`); never fails for missing variables. */
  async render(
    slug: string,
    vars: Record<string, unknown> = {},
    options: { version?: number } = {},
  ): Promise<RenderResult> {
    const { data } = await this.#http.request({
      method: "POST",
      path: `/v1/templates/${segment(slug, "slug")}/render`,
      body: withoutUndefined({ vars, version: options.version }),
      schema: renderResultSchema(),
    });
    return toRenderResult(data);
  }

  /** Renders unsaved content, e.g. to preview a change. */
  async renderContent(
    channel: Channel,
    content: Record<string, unknown>,
    vars: Record<string, unknown> = {},
  ): Promise<RenderResult> {
    const { data } = await this.#http.request({
      method: "POST",
      path: "/v1/templates/render",
      body: { channel, content, vars },
      schema: renderResultSchema(),
    });
    return toRenderResult(data);
  }
}

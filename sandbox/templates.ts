// Templates (sections 6, 7 and 10): CRUD, versions, render of saved and unsaved content. Each
// version is analysed once when it is made (variables, required variables, parsed fields); sends
// and renders reuse that analysis.
import { CONTENT_FIELDS, analyzeContent, renderAnalyzedContent } from "../src/template/index.ts";
import type { ContentAnalysis } from "../src/template/index.ts";
import { isPlainObject } from "../src/internal/plain-objects.ts";
import { CHANNELS, SLUG_PATTERN } from "../src/internal/rules.ts";
import type { Channel } from "../src/internal/rules.ts";
import {
  checkWire,
  contentSchemas,
  createTemplateBodySchema,
  renderContentBodySchema,
  renderSavedBodySchema,
  updateTemplateBodySchema,
} from "../src/internal/wire.ts";
import { created, noContent, ok } from "./api.ts";
import type { ApiRequest, ApiResult } from "./api.ts";
import { ApiError, invalidParameter, prefixIssues, validationFailure } from "./errors.ts";
import type { Issue } from "../src/errors.ts";
import { isoTime } from "./clock.ts";
import { listJson, pageNewestFirst, parseListQuery } from "./lists.ts";
import { currentVersion, nextSeq, templateJson, templateVersionJson } from "./store.ts";
import type { StoredTemplate, TemplateVersion } from "./store.ts";

// ---------------------------------------------------------------------------------------
// POST /v1/templates: 400, then 422 template_syntax_error, then 409 template_exists (section 10).

export function createTemplate(request: ApiRequest): ApiResult {
  const input = request.body!;
  const checked = checkWire(createTemplateBodySchema, input);
  const issues: Issue[] = checked.ok ? [] : [...checked.issues];
  if (typeof input.slug === "string" && !SLUG_PATTERN.test(input.slug)) {
    issues.push({
      path: ["slug"],
      message: "must be 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit",
    });
  }
  const channel = (CHANNELS as readonly unknown[]).includes(input.channel) ? (input.channel as Channel) : undefined;
  const content =
    channel !== undefined && isPlainObject(input.content) ? checkContent(channel, input.content, issues) : undefined;
  if (!checked.ok || issues.length > 0 || content === undefined || channel === undefined)
    throw invalidParameter(issues);

  const analysis = analyzeOrThrow(channel, content);
  const { slug, name, description } = checked.value;
  if (request.world.templates.has(slug))
    throw new ApiError("template_exists", `a template with the slug "${slug}" already exists`);

  const at = isoTime(request.now);
  const template: StoredTemplate = {
    seq: nextSeq(),
    slug,
    name,
    description: description ?? "",
    channel,
    versions: [{ version: 1, content, analysis, createdAt: at }],
    createdAt: at,
    updatedAt: at,
  };
  request.world.templates.set(slug, template);
  return created(templateJson(template));
}

/**
 * Checks a template content against its channel's fields (400 issues are appended to `issues`
 * under `content`) and returns it with every field of the channel, absent ones as null.
 */
function checkContent(
  channel: Channel,
  content: Record<string, unknown>,
  issues: Issue[],
): Record<string, unknown> | undefined {
  const checked = checkWire(contentSchemas[channel], content);
  if (!checked.ok) {
    issues.push(...prefixIssues(["content"], checked.issues));
    return undefined;
  }
  const parsed = checked.value as Record<string, unknown>;
  const normalized: Record<string, unknown> = {};
  for (const field of CONTENT_FIELDS[channel]) normalized[field] = parsed[field] ?? null;
  return normalized;
}

/** JSON with every object's keys sorted, so that equal content gives equal text whatever its key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (!isPlainObject(member)) return member;
    // fromEntries defines own properties: a "__proto__" member stays a member.
    return Object.fromEntries(
      Object.keys(member)
        .sort()
        .map((key) => [key, member[key]]),
    );
  });
}

function analyzeOrThrow(channel: Channel, content: Record<string, unknown>): ContentAnalysis {
  const analysis = analyzeContent(channel, content);
  if (analysis.errors.length > 0)
    throw validationFailure("template_syntax_error", analysis.errors, "template syntax error");
  return analysis;
}

// ---------------------------------------------------------------------------------------
// GET /v1/templates, GET /v1/templates/{slug}, GET /v1/templates/{slug}/versions

export function listTemplates(request: ApiRequest): ApiResult {
  const query = parseListQuery(request.search, { enums: { channel: CHANNELS } });
  const channel = query.filters.get("channel");
  const templates = [...request.world.templates.values()]; // insertion order is creation order
  const page = pageNewestFirst(
    templates,
    (template) => template.seq,
    query,
    (template) => channel === undefined || template.channel === channel,
  );
  return ok(listJson(page, templateJson));
}

export function getTemplate(request: ApiRequest): ApiResult {
  parseListQuery(request.search, { paginated: false });
  return ok(templateJson(findTemplate(request)));
}

export function listTemplateVersions(request: ApiRequest): ApiResult {
  const query = parseListQuery(request.search, {});
  const template = findTemplate(request);
  return ok(
    listJson(
      pageNewestFirst(template.versions, (version) => version.version, query),
      templateVersionJson,
    ),
  );
}

// ---------------------------------------------------------------------------------------
// PATCH /v1/templates/{slug}, DELETE /v1/templates/{slug}

export function updateTemplate(request: ApiRequest): ApiResult {
  const template = findTemplate(request);
  const input = request.body!;
  const checked = checkWire(updateTemplateBodySchema, input);
  const issues: Issue[] = checked.ok ? [] : [...checked.issues];
  // slug and channel cannot change; restating them unchanged is accepted (section 10).
  if (typeof input.slug === "string" && input.slug !== template.slug)
    issues.push({ path: ["slug"], message: "cannot be changed" });
  if (typeof input.channel === "string" && input.channel !== template.channel)
    issues.push({ path: ["channel"], message: "cannot be changed" });
  const content = isPlainObject(input.content) ? checkContent(template.channel, input.content, issues) : undefined;
  if (!checked.ok || issues.length > 0) throw invalidParameter(issues);
  const changes = checked.value;

  let analysis: ContentAnalysis | undefined;
  // Compared with keys sorted: push `data` with the same members in another order is the same content.
  const contentChanged =
    content !== undefined && canonicalJson(content) !== canonicalJson(currentVersion(template).content);
  if (contentChanged) analysis = analyzeOrThrow(template.channel, content);

  const at = isoTime(request.now);
  let changed = false;
  if (changes.name != null && changes.name !== template.name) {
    template.name = changes.name;
    changed = true;
  }
  if (changes.description != null && changes.description !== template.description) {
    template.description = changes.description;
    changed = true;
  }
  if (contentChanged && analysis !== undefined) {
    const version: TemplateVersion = {
      version: currentVersion(template).version + 1,
      content,
      analysis,
      createdAt: at,
    };
    template.versions.push(version);
    changed = true;
  }
  if (changed) template.updatedAt = at;
  return ok(templateJson(template));
}

export function deleteTemplate(request: ApiRequest): ApiResult {
  const template = findTemplate(request);
  request.world.templates.delete(template.slug);
  return noContent;
}

// ---------------------------------------------------------------------------------------
// POST /v1/templates/{slug}/render, POST /v1/templates/render

export function renderSavedTemplate(request: ApiRequest): ApiResult {
  const template = findTemplate(request);
  const checked = checkWire(renderSavedBodySchema, request.body);
  if (!checked.ok) throw invalidParameter(checked.issues);
  const { vars, version: wanted } = checked.value;
  let version = currentVersion(template);
  if (wanted != null) {
    const found = template.versions.find((candidate) => candidate.version === wanted);
    if (found === undefined) {
      throw invalidParameter([
        {
          path: ["version"],
          message: `template "${template.slug}" has no version ${wanted} (latest is ${version.version})`,
        },
      ]);
    }
    version = found;
  }
  return ok(renderResult(template.channel, version.content, version.analysis, vars ?? {}));
}

export function renderUnsavedContent(request: ApiRequest): ApiResult {
  const input = request.body!;
  const checked = checkWire(renderContentBodySchema, input);
  const issues: Issue[] = checked.ok ? [] : [...checked.issues];
  const channel = (CHANNELS as readonly unknown[]).includes(input.channel) ? (input.channel as Channel) : undefined;
  const content =
    channel !== undefined && isPlainObject(input.content) ? checkContent(channel, input.content, issues) : undefined;
  if (!checked.ok || issues.length > 0 || content === undefined || channel === undefined)
    throw invalidParameter(issues);
  const analysis = analyzeOrThrow(channel, content);
  return ok(renderResult(channel, content, analysis, checked.value.vars ?? {}));
}

/** Never an error for missing variables: reporting them is what render is for. */
function renderResult(
  channel: Channel,
  content: Record<string, unknown>,
  analysis: ContentAnalysis,
  vars: Record<string, unknown>,
): Record<string, unknown> {
  const { output, missing, unused } = renderAnalyzedContent(channel, content, analysis, vars);
  return { object: "render", output, missing, unused };
}

function findTemplate(request: ApiRequest): StoredTemplate {
  const slug = request.params[0]!;
  const template = request.world.templates.get(slug);
  if (template === undefined) throw new ApiError("template_not_found", `no template with the slug "${slug}"`);
  return template;
}

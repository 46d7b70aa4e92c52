// Checks HTTP answers against docs/openapi.yaml. The document itself is validated with
// @seriousme/openapi-schema-validator (the official OpenAPI 3.1 schema); its schemas are JSON Schema
// 2020-12, so answers are checked with ajv's 2020 dialect, compiled straight from the document by JSON
// pointer: the response for the status (exact, then `4XX`/`5XX`, then `default`), every declared header
// (required ones present, values matching their schema) and the body for its media type.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

export const OPENAPI_PATH = fileURLToPath(new URL("../../docs/openapi.yaml", import.meta.url));
const DOC_ID = "openapi.yaml";

type Json = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  webhooks: Record<string, Record<string, Json>>;
  components: Json;
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** An answer as the tests saw it on the wire. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export class OpenApiChecker {
  readonly document: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(path = OPENAPI_PATH) {
    this.document = parse(readFileSync(path, "utf8")) as OpenApiDocument;
    this.#ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    addFormats.default(this.#ajv);
    // The document's own members are not JSON Schema keywords: declared so strict mode accepts the
    // document as the root that every `#/components/...` reference points into.
    this.#ajv.addVocabulary(["openapi", "info", "servers", "security", "tags", "paths", "webhooks", "components"]);
    this.#ajv.addSchema(this.document, DOC_ID);
  }

  /** The operations of `paths`, as `"POST /v1/messages"`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** Compiles every schema under components/schemas (a bad keyword or a dangling $ref throws). */
  compileAllSchemas(): string[] {
    return Object.keys(this.document.components.schemas).map((name) => {
      this.#validator(`/components/schemas/${name}`);
      return name;
    });
  }

  /** Problems of one answer to `operation` ("GET /v1/templates/{slug}"), or [] when it conforms. */
  checkAnswer(operation: string, answer: Answer): string[] {
    const [method, path] = splitOperation(operation);
    const operationPointer = `/paths/${escapePointer(path)}/${method}`;
    return this.#checkResponse(operationPointer, answer).map(
      (problem) => `${operation} → ${answer.status}: ${problem}`,
    );
  }

  /** Problems of an answer against a shared response of components/responses (e.g. "NotFound"). */
  checkSharedResponse(name: string, answer: Answer): string[] {
    return this.#checkResponseAt(`/components/responses/${escapePointer(name)}`, answer).map(
      (problem) => `${name} → ${answer.status}: ${problem}`,
    );
  }

  /** Problems of a request body sent to `operation`, or [] when the document accepts it. */
  checkRequestBody(operation: string, body: unknown): string[] {
    const [method, path] = splitOperation(operation);
    return this.#checkRequestBody(`/paths/${escapePointer(path)}/${method}`, body);
  }

  /** Problems of one webhook delivery (headers and raw body) against `webhooks.<name>.post`. */
  checkWebhookDelivery(name: string, headers: Record<string, string | undefined>, rawBody: string): string[] {
    const pointer = `/webhooks/${escapePointer(name)}/post`;
    const operation = this.#at(pointer);
    const problems: string[] = [];
    for (const [index, parameter] of (operation.parameters as Json[]).entries()) {
      if (parameter.in !== "header") continue;
      const value = headers[String(parameter.name).toLowerCase()];
      if (value === undefined) {
        if (parameter.required === true) problems.push(`header ${parameter.name} is missing`);
        continue;
      }
      problems.push(...this.#validate(`${pointer}/parameters/${index}/schema`, value, `header ${parameter.name}`));
    }
    return [...problems, ...this.#checkRequestBody(pointer, JSON.parse(rawBody))];
  }

  #checkRequestBody(operationPointer: string, body: unknown): string[] {
    const requestBody = this.#at(`${operationPointer}/requestBody`);
    if (requestBody === undefined) return body === undefined ? [] : ["the operation takes no request body"];
    if (body === undefined) return requestBody.required === true ? ["the request body is required"] : [];
    return this.#validate(`${operationPointer}/requestBody/content/application~1json/schema`, body, "request body");
  }

  #checkResponse(operationPointer: string, answer: Answer): string[] {
    const responses = this.#at(`${operationPointer}/responses`) as Json;
    const status = String(answer.status);
    const key = [status, `${status[0]}XX`, "default"].find((candidate) => responses[candidate] !== undefined);
    if (key === undefined) return ["status not documented"];
    let responsePointer = `${operationPointer}/responses/${key}`;
    const reference = responses[key].$ref as string | undefined;
    if (reference !== undefined) responsePointer = reference.slice(1);
    return this.#checkResponseAt(responsePointer, answer);
  }

  #checkResponseAt(responsePointer: string, answer: Answer): string[] {
    const response = this.#at(responsePointer);
    const problems: string[] = [];
    for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
      const headerPointer =
        header.$ref !== undefined ? String(header.$ref).slice(1) : `${responsePointer}/headers/${escapePointer(name)}`;
      const declared = this.#at(headerPointer);
      const value = answer.headers.get(name);
      if (value === null) {
        if (declared.required === true) problems.push(`header ${name} is missing`);
        continue;
      }
      const schema = this.#at(`${headerPointer}/schema`);
      const typed = schema.type === "integer" && /^-?[0-9]+$/.test(value) ? Number(value) : value;
      problems.push(...this.#validate(`${headerPointer}/schema`, typed, `header ${name}`));
    }

    const content = response.content as Json | undefined;
    if (content === undefined) {
      if (answer.text !== "") problems.push(`a body where none is documented: ${answer.text.slice(0, 80)}`);
      return problems;
    }
    const mediaType = (answer.headers.get("content-type") ?? "").split(";")[0]!.trim();
    if (content[mediaType] === undefined) return [...problems, `content type "${mediaType}" not documented`];
    const schemaPointer = `${responsePointer}/content/${escapePointer(mediaType)}/schema`;
    let body: unknown = answer.text;
    if (mediaType === "application/json") {
      try {
        body = JSON.parse(answer.text);
      } catch {
        return [...problems, "the body is not JSON"];
      }
    }
    return [...problems, ...this.#validate(schemaPointer, body, "body")];
  }

  #validate(schemaPointer: string, value: unknown, what: string): string[] {
    const validate = this.#validator(schemaPointer);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${what}${error.instancePath} ${error.message} (${error.schemaPath})`,
    );
  }

  #validator(schemaPointer: string): ValidateFunction {
    let validate = this.#compiled.get(schemaPointer);
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: `${DOC_ID}#${schemaPointer}` });
      this.#compiled.set(schemaPointer, validate);
    }
    return validate;
  }

  #at(pointer: string): Json {
    let node: any = this.document;
    for (const part of pointer.split("/").slice(1)) node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    return node as Json;
  }
}

function splitOperation(operation: string): [string, string] {
  const [method, path] = operation.split(" ");
  return [method!.toLowerCase(), path!];
}

function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

// Lint's `remote: true`: each fixture rendered through SenderKit's render API against the stored
// template of the same slug. Only the Action does this (it has the API key), so its two rules
// live here rather than in src/template-files' rule table.
import type { templateFiles } from "../src/index.ts";

type Finding = templateFiles.Finding;
type LintedTemplate = templateFiles.LintedTemplate;

/** The remote rules' ids: `disable` accepts them beside the file rules. */
export const REMOTE_RULES = ["remote-missing-variable", "remote-not-deployed"] as const;

export interface RenderClient {
  templates: { render(slug: string, vars?: Record<string, unknown>): Promise<{ missing: string[] }> };
  close(): Promise<void>;
}

/** A finding under a remote rule (the core's Finding type names only its own rules). */
function remoteFinding(rule: (typeof REMOTE_RULES)[number], finding: Omit<Finding, "rule">): Finding {
  return { rule: rule as unknown as Finding["rule"], ...finding };
}

/** Renders each fixture through the render API against the stored template of the same slug. */
export async function remoteFindings(
  client: Pick<RenderClient, "templates">,
  templates: readonly LintedTemplate[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const template of templates) {
    if (template.slug === undefined) continue;
    const fixtures =
      template.fixtures.length > 0
        ? template.fixtures
        : [{ name: "(no vars)", vars: {}, line: template.slugLine, column: template.slugColumn }];
    for (const fixture of fixtures) {
      try {
        const rendered = await client.templates.render(template.slug, fixture.vars);
        for (const path of rendered.missing) {
          findings.push(
            remoteFinding("remote-missing-variable", {
              severity: "error",
              file: template.file,
              line: fixture.line,
              column: fixture.column,
              message:
                `the template ${JSON.stringify(template.slug)} stored on SenderKit needs ${JSON.stringify(path)}, ` +
                `which fixture ${JSON.stringify(fixture.name)} does not give`,
            }),
          );
        }
      } catch (error) {
        if ((error as { code?: string }).code !== "template_not_found") throw error;
        findings.push(
          remoteFinding("remote-not-deployed", {
            severity: "warning",
            file: template.file,
            line: template.slugLine,
            column: template.slugColumn,
            message:
              `the template ${JSON.stringify(template.slug)} is not on SenderKit yet: ` +
              "sends would fail until it is deployed",
          }),
        );
        break;
      }
    }
  }
  return findings;
}

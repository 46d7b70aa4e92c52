// The help texts of the `senderkit` command.
export const MAIN_USAGE = `usage: senderkit <command> [options]

Templates as code for SenderKit: check and preview template files locally.

Commands:
  lint [globs...]             check template files against their fixtures
  preview [globs...] --out D  write every template x fixture rendered as HTML, plus index.html
  sandbox [options]           run the local SenderKit API (same as senderkit-sandbox)

Options:
  -h, --help                  help (also after a command: senderkit lint --help)
  -v, --version               the version

A directory given as a glob means every .yml, .yaml and .json file under it; !glob excludes.
`;

const SHARED_OPTIONS = `  --disable RULE[,RULE]       turn rules off (repeatable); --rules lists them
  --max-sms-segments N        the most segments an SMS body may render to (default 3)
  --fail-on-unused            unused fixture variables are errors, not warnings
  --vars-file FILE            YAML or JSON vars every fixture gets underneath its own
  --root DIR                  files must resolve inside DIR (default: the current directory)
  -h, --help                  this help
  -v, --version               the version`;

export const LINT_USAGE = `usage: senderkit lint [globs...] [options]

Checks template files (slug, name, channel, description, content, fixtures): YAML/JSON, shape,
placeholders, variables against every fixture, and channel rules on the rendered output.
Exit code: 0 without errors (warnings allowed), 1 with errors, 2 for bad usage or no files.

  --format stylish|json       human-readable (default) or JSON for tools
  --rules                     list the rules with their default severity, then exit
${SHARED_OPTIONS}
`;

export const PREVIEW_USAGE = `usage: senderkit preview [globs...] --out DIR [options]

Renders every template x fixture and writes one HTML page each plus DIR/index.html.
Templates with lint errors are still previewed when they parse; lint with \`senderkit lint\`.
Exit code: 0 when the previews were written, 2 for bad usage or no files.

  --out DIR                   where to write the pages (created if needed)
${SHARED_OPTIONS}
`;

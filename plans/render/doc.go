// Package render turns a plan into text for people and tools: a table
// (tablewriter) for terminals, Markdown for pull-request comments, and the
// plan's canonical JSON. Each format lives in its own file behind the
// Renderer interface; the format names are constants that also feed the
// commands' --help. An unknown format is an error, never a fallback.
//
// The human formats show what a person reads (Options): the summary, the
// first Limit steps and findings (denials first), and a "… N more" line
// for the rest; JSON is always complete. Markdown never exceeds
// MarkdownMax bytes, a GitHub comment's limit.
//
// Helpers for any table of the tool (status, results):
//   - WriteTable and Column: a tablewriter box table streamed with widths
//     computed once, fitted to a display width (wrapping or cutting cells);
//   - Shown, More and DefaultLimit: how many rows to show and the
//     "… N more steps (use --format json)" line;
//   - TerminalWidth: the width to fit output to (a terminal's, $COLUMNS, or
//     0 for none).
package render

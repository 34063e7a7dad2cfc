// Package render turns a plan into text for people and tools: a table
// (tablewriter) for terminals, Markdown for pull-request comments, and the
// plan's canonical JSON. Each format lives in its own file behind the
// Renderer interface; the format names are constants that also feed the
// commands' --help. An unknown format is an error, never a fallback.
package render

package main

import (
	"github.com/rdsup/rdsup/plans/render"
	"github.com/spf13/pflag"
)

// maxMarkdownBytes is the largest --max-bytes (16 MiB): more than any
// code-review comment holds.
const maxMarkdownBytes = 16 << 20

// addMaxBytesFlag adds --max-bytes, the cap on the Markdown format.
func addMaxBytesFlag(f *pflag.FlagSet, maxBytes *int) {
	f.IntVar(maxBytes, "max-bytes", render.MarkdownMax, "most bytes the markdown format writes (a GitHub comment holds 65536); what does not fit is cut with a note")
	limitInt(f, "max-bytes", render.MarkdownMinBytes, maxMarkdownBytes)
}

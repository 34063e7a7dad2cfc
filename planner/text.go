package planner

import (
	"unicode/utf8"
)

// maxTextProblems bounds how many lines checkText reports; a binary file
// would otherwise give one problem per line.
const maxTextProblems = 10

// checkText reports invalid UTF-8 and control characters, one problem per
// line with its line and column, before any YAML is parsed: yaml.v3 would
// refuse them without a line, and the fast path must never see them. The
// characters allowed are those YAML allows less the C1 controls: tab, line
// feed, carriage return, U+0020–U+007E, U+00A0–U+D7FF, U+E000–U+FFFD and
// U+10000 and above.
//
// fast reports whether the text is also free of what only yaml.v3 reads
// right: the line separators U+2028 and U+2029 and the byte-order mark.
func checkText(p *problems, data []byte) (ok, fast bool) {
	ok, fast = true, true
	line, lineStart, reported, more := 1, 0, 0, 0
	badLine := 0 // the last line reported, so each line is reported once
	for i := 0; i < len(data); {
		c := data[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c == '\n' || c == '\r' {
			if c == '\n' || i+1 >= len(data) || data[i+1] != '\n' {
				line++
				lineStart = i + 1
			}
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(data[i:])
		}
		problem, hint := "", ""
		switch {
		case r == utf8.RuneError && size == 1:
			problem, hint = "invalid UTF-8 (byte 0x%02x in column %d)", "save the inventory as UTF-8"
			r = rune(c)
		case c == '\t':
		case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xfffe, r == 0xffff:
			problem, hint = "control character %U in column %d", "remove it; only tab, newline and carriage return may appear"
		case r == 0x2028, r == 0x2029, r == 0xfeff:
			fast = false
		}
		if problem != "" {
			ok = false
			if badLine != line {
				badLine = line
				if reported < maxTextProblems {
					reported++
					p.add(line, "", hint, problem, r, utf8.RuneCount(data[lineStart:i])+1)
				} else {
					more++
				}
			}
		}
		i += size
	}
	if more > 0 {
		p.add(line, "", "fix the lines above first", "%d more lines have invalid UTF-8 or control characters", more)
	}
	return ok, fast
}

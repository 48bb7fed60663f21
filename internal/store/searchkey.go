package store

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Fallback = func(r rune, a pinyin.Args) []string { return nil }
	return a
}()

// SearchKey is what account search matches: the lower-cased code and name,
// the name's full pinyin without spaces, and its initials, so 华为 is found by
// 华为, huawei or hw. Kept in a column computed in Go because SQLite's lower()
// folds only ASCII and neither engine knows pinyin.
func SearchKey(code, name string) string {
	var full, initials strings.Builder
	for _, r := range name {
		if unicode.Is(unicode.Han, r) {
			py := pinyin.SinglePinyin(r, pinyinArgs)
			if len(py) > 0 && py[0] != "" {
				full.WriteString(py[0])
				initials.WriteByte(py[0][0])
				continue
			}
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			lr := unicode.ToLower(r)
			full.WriteRune(lr)
			initials.WriteRune(lr)
		}
	}
	return strings.ToLower(code) + " " + strings.ToLower(name) + " " + full.String() + " " + initials.String()
}

// SearchPattern turns what a user typed into a LIKE pattern for SearchKey:
// lower-cased, spaces removed from pinyin-like input, wildcards escaped.
func SearchPattern(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	ascii := true
	for _, r := range q {
		if r > unicode.MaxASCII {
			ascii = false
			break
		}
	}
	if ascii {
		q = strings.ReplaceAll(q, " ", "")
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// escapeLike escapes LIKE's wildcards (with ESCAPE '\').
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Package i18n holds KAM's message catalogs and picks the user's language.
//
// Each language is one flat JSON file in locales/, mapping a key such as
// "nav.accounts" to a message that may hold fmt verbs ("共 %d 条"). The files
// are embedded, so a binary carries its translations. Simplified Chinese is
// the primary language and the default; English sits beside it. A test keeps
// the catalogs in step: the same keys, the same verbs in the same order.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Default is the language used when nothing better is known.
const Default = "zh-CN"

// langs lists the supported languages, the default first.
var langs = []string{Default, "en"}

//go:embed locales/*.json
var localeFS embed.FS

// printers holds one Printer per supported language, loaded at init from the
// embedded catalogs. The catalogs are part of the binary, so a broken one is a
// programming error caught by the package tests, not a runtime condition.
var printers = mustLoad()

// matcher picks among the supported languages; its first tag is the default.
var matcher = language.NewMatcher([]language.Tag{
	language.MustParse(Default),
	language.English,
})

// Printer translates keys into one language. It is safe for concurrent use.
type Printer struct {
	lang     string
	messages map[string]string
}

// Langs returns the supported language codes, the default first.
func Langs() []string { return slices.Clone(langs) }

// Match returns the supported language that best fits an Accept-Language
// header value. Any Chinese (zh, zh-Hans, zh-TW, zh-HK…) gives "zh-CN", any
// English gives "en", and anything else, or nothing, gives Default.
func Match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return Default
	}
	// ParseAcceptLanguage sorts by quality. Each tag is matched on its own,
	// in that order, so that a Traditional Chinese reader is given Simplified
	// Chinese (a Low-confidence match) rather than a lower-ranked English,
	// which matcher.Match over the whole list would prefer.
	for _, tag := range prefs {
		_, i, conf := matcher.Match(tag)
		if conf != language.No {
			return langs[i]
		}
		if base, _ := tag.Base(); base.String() == "zh" {
			return Default
		}
	}
	return Default
}

// Get returns the Printer for lang, or for Default if lang is not supported.
func Get(lang string) *Printer {
	if p, ok := printers[lang]; ok {
		return p
	}
	return printers[Default]
}

// Lang returns the printer's language code, for example "zh-CN".
func (p *Printer) Lang() string { return p.lang }

// T returns the message for key, formatted with args by fmt.Sprintf when args
// are given. A missing key gives "!key!", which tests and reviewers spot.
func (p *Printer) T(key string, args ...any) string {
	msg, ok := p.messages[key]
	if !ok {
		return "!" + key + "!"
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether the printer's catalog has key.
func (p *Printer) Has(key string) bool {
	_, ok := p.messages[key]
	return ok
}

// Keys returns the keys of lang's catalog (Default's if lang is unknown), sorted.
func Keys(lang string) []string {
	p := Get(lang)
	keys := make([]string, 0, len(p.messages))
	for k := range p.messages {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mustLoad() map[string]*Printer {
	m := make(map[string]*Printer, len(langs))
	for _, lang := range langs {
		msgs, err := loadCatalog(lang)
		if err != nil {
			panic(err)
		}
		m[lang] = &Printer{lang: lang, messages: msgs}
	}
	return m
}

func loadCatalog(lang string) (map[string]string, error) {
	b, err := localeFS.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	var msgs map[string]string
	if err := json.Unmarshal(b, &msgs); err != nil {
		return nil, fmt.Errorf("i18n: locales/%s.json: %w", lang, err)
	}
	for k := range msgs {
		if strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("i18n: locales/%s.json: empty key", lang)
		}
	}
	return msgs, nil
}

package clerk

// A compiler for path-to-regexp 6.x string patterns (pillarjs/path-to-regexp,
// the version Clerk vendors, with 6.3's backtracking protection), with the
// options Clerk uses: sensitive=false, strict=false, start=true, end=true,
// delimiter "/#?", prefixes "./" (spec §7).
//
// The compiler produces the same regular-expression source as path-to-regexp
// (for example "/user/:id?" → `^\/user(?:\/([^\/#\?]+?))?[\/#\?]?$`), and
// the source is then compiled with JavaScript semantics by jsregexp.go.
// Errors carry path-to-regexp's messages ("Unexpected MODIFIER at 5,
// expected END"); positions count UTF-16 code units, as in JavaScript.

import (
	"errors"
	"strconv"
	"strings"
)

const (
	ptrDelimiter = "/#?"
	ptrPrefixes  = "./"
)

type ptrTokenType uint8

const (
	ptrModifier ptrTokenType = iota
	ptrEscapedChar
	ptrOpen
	ptrClose
	ptrName
	ptrPattern
	ptrChar
	ptrEnd
)

var ptrTokenNames = [...]string{"MODIFIER", "ESCAPED_CHAR", "OPEN", "CLOSE", "NAME", "PATTERN", "CHAR", "END"}

func (t ptrTokenType) String() string { return ptrTokenNames[t] }

type ptrToken struct {
	typ   ptrTokenType
	index int
	value []uint16
	// undefined is set for an ESCAPED_CHAR at the very end of the pattern
	// ("\" with nothing after it), whose value is undefined in JavaScript.
	undefined bool
}

// ptrLex splits a pattern into tokens (path-to-regexp's lexer).
func ptrLex(s []uint16) ([]ptrToken, error) {
	var toks []ptrToken
	at := func(i int) int {
		if i < len(s) {
			return int(s[i])
		}
		return -1
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch c {
		case '*', '+', '?':
			toks = append(toks, ptrToken{typ: ptrModifier, index: i, value: s[i : i+1]})
			i++
			continue
		case '\\':
			t := ptrToken{typ: ptrEscapedChar, index: i}
			if i+1 < len(s) {
				t.value = s[i+1 : i+2]
			} else {
				t.undefined = true
			}
			toks = append(toks, t)
			i += 2
			continue
		case '{':
			toks = append(toks, ptrToken{typ: ptrOpen, index: i, value: s[i : i+1]})
			i++
			continue
		case '}':
			toks = append(toks, ptrToken{typ: ptrClose, index: i, value: s[i : i+1]})
			i++
			continue
		case ':':
			j := i + 1
			for j < len(s) && isNameUnit(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, errors.New("Missing parameter name at " + strconv.Itoa(i))
			}
			toks = append(toks, ptrToken{typ: ptrName, index: i, value: s[i+1 : j]})
			i = j
			continue
		case '(':
			count := 1
			var pat []uint16
			j := i + 1
			if at(j) == '?' {
				return nil, errors.New(`Pattern cannot start with "?" at ` + strconv.Itoa(j))
			}
			for j < len(s) {
				if s[j] == '\\' {
					pat = append(pat, s[j:min(j+2, len(s))]...)
					j += 2
					continue
				}
				if s[j] == ')' {
					count--
					if count == 0 {
						j++
						break
					}
				} else if s[j] == '(' {
					count++
					if at(j+1) != '?' {
						return nil, errors.New("Capturing groups are not allowed at " + strconv.Itoa(j))
					}
				}
				pat = append(pat, s[j])
				j++
			}
			if count != 0 {
				return nil, errors.New("Unbalanced pattern at " + strconv.Itoa(i))
			}
			if len(pat) == 0 {
				return nil, errors.New("Missing pattern at " + strconv.Itoa(i))
			}
			toks = append(toks, ptrToken{typ: ptrPattern, index: i, value: pat})
			i = j
			continue
		}
		toks = append(toks, ptrToken{typ: ptrChar, index: i, value: s[i : i+1]})
		i++
	}
	return append(toks, ptrToken{typ: ptrEnd, index: i}), nil
}

func isNameUnit(c uint16) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}

// ptrKey is a parameter of a pattern.
type ptrKey struct {
	// name is the parameter's name, or the decimal index of an unnamed one
	// ("(.*)" is key "0").
	name     string
	prefix   []uint16
	suffix   []uint16
	pattern  []uint16
	modifier string
}

// ptrPart is one element of a parsed pattern: literal text or a key.
type ptrPart struct {
	text []uint16
	key  *ptrKey
}

func unitsContainAny(s []uint16, set string) bool {
	for _, c := range s {
		for i := 0; i < len(set); i++ {
			if c == uint16(set[i]) {
				return true
			}
		}
	}
	return false
}

// ptrParse parses a pattern into text and keys (path-to-regexp's parse).
func ptrParse(s []uint16) ([]ptrPart, error) {
	toks, err := ptrLex(s)
	if err != nil {
		return nil, err
	}
	var result []ptrPart
	keyIndex := 0
	i := 0
	var path []uint16

	// tryConsume consumes a token of type t; ok reports a defined,
	// non-empty value (JavaScript truthiness).
	tryConsume := func(t ptrTokenType) (v []uint16, ok bool) {
		if i < len(toks) && toks[i].typ == t {
			tk := toks[i]
			i++
			return tk.value, !tk.undefined && len(tk.value) > 0
		}
		return nil, false
	}
	mustConsume := func(t ptrTokenType) error {
		if i < len(toks) && toks[i].typ == t {
			i++
			return nil
		}
		tk := toks[i]
		return errors.New("Unexpected " + tk.typ.String() + " at " + strconv.Itoa(tk.index) + ", expected " + t.String())
	}
	consumeText := func() []uint16 {
		var out []uint16
		for {
			v, ok := tryConsume(ptrChar)
			if !ok {
				v, ok = tryConsume(ptrEscapedChar)
			}
			if !ok {
				return out
			}
			out = append(out, v...)
		}
	}
	// safePattern is the default pattern of a parameter: any run of
	// non-delimiters, which must not contain the text before the parameter
	// when that text has no delimiter (path-to-regexp 6.3).
	safePattern := func(prefix []uint16) ([]uint16, error) {
		var prev *ptrPart
		if len(result) > 0 {
			prev = &result[len(result)-1]
		}
		prevText := prefix
		if len(prevText) == 0 && prev != nil && prev.key == nil {
			prevText = prev.text
		}
		if prev != nil && len(prevText) == 0 {
			return nil, errors.New(`Must have text between two parameters, missing text after "` + prev.key.name + `"`)
		}
		delim := ptrEscape(stringUnits(ptrDelimiter))
		if len(prevText) == 0 || unitsContainAny(prevText, ptrDelimiter) {
			return concatUnits("[^", delim, "]+?"), nil
		}
		return concatUnits("(?:(?!", ptrEscape(prevText), ")[^", delim, "])+?"), nil
	}
	nextName := func() string {
		n := strconv.Itoa(keyIndex)
		keyIndex++
		return n
	}

	for i < len(toks) {
		char, charOK := tryConsume(ptrChar)
		name, nameOK := tryConsume(ptrName)
		pattern, patOK := tryConsume(ptrPattern)
		if nameOK || patOK {
			var prefix []uint16
			if charOK {
				prefix = char
			}
			if len(prefix) > 0 && !unitsContainAny(prefix, ptrPrefixes) {
				path = append(path, prefix...)
				prefix = nil
			}
			if len(path) > 0 {
				result = append(result, ptrPart{text: path})
				path = nil
			}
			k := &ptrKey{prefix: prefix}
			if nameOK {
				k.name = unitsString(name)
			} else {
				k.name = nextName()
			}
			if patOK {
				k.pattern = pattern
			} else {
				p, err := safePattern(prefix)
				if err != nil {
					return nil, err
				}
				k.pattern = p
			}
			if m, ok := tryConsume(ptrModifier); ok {
				k.modifier = unitsString(m)
			}
			result = append(result, ptrPart{key: k})
			continue
		}
		value, ok := char, charOK
		if !ok {
			value, ok = tryConsume(ptrEscapedChar)
		}
		if ok {
			path = append(path, value...)
			continue
		}
		if len(path) > 0 {
			result = append(result, ptrPart{text: path})
			path = nil
		}
		if _, open := tryConsume(ptrOpen); open {
			prefix := consumeText()
			name, nameOK := tryConsume(ptrName)
			pattern, patOK := tryConsume(ptrPattern)
			suffix := consumeText()
			if err := mustConsume(ptrClose); err != nil {
				return nil, err
			}
			k := &ptrKey{prefix: prefix, suffix: suffix}
			switch {
			case nameOK:
				k.name = unitsString(name)
			case patOK:
				k.name = nextName()
			}
			switch {
			case nameOK && !patOK:
				p, err := safePattern(prefix)
				if err != nil {
					return nil, err
				}
				k.pattern = p
			case patOK:
				k.pattern = pattern
			}
			if m, ok := tryConsume(ptrModifier); ok {
				k.modifier = unitsString(m)
			}
			result = append(result, ptrPart{key: k})
			continue
		}
		if err := mustConsume(ptrEnd); err != nil {
			return nil, err
		}
	}
	return result, nil
}

func concatUnits(parts ...any) []uint16 {
	var out []uint16
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, stringUnits(v)...)
		case []uint16:
			out = append(out, v...)
		}
	}
	return out
}

// ptrEscape escapes the regular-expression syntax characters
// . + * ? = ^ ! : $ { } ( ) [ ] | / \ with a backslash.
func ptrEscape(s []uint16) []uint16 {
	out := make([]uint16, 0, len(s))
	for _, c := range s {
		switch c {
		case '.', '+', '*', '?', '=', '^', '!', ':', '$', '{', '}', '(', ')', '[', ']', '|', '/', '\\':
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return out
}

// ptrSource builds the regular-expression source of parsed parts
// (path-to-regexp's tokensToRegexp) and returns the keys that have a
// capturing group, in order.
func ptrSource(parts []ptrPart) ([]uint16, []ptrKey, error) {
	src := []uint16{'^'}
	var keys []ptrKey
	for _, p := range parts {
		if p.key == nil {
			src = append(src, ptrEscape(p.text)...)
			continue
		}
		k := p.key
		prefix, suffix := ptrEscape(k.prefix), ptrEscape(k.suffix)
		repeat := k.modifier == "+" || k.modifier == "*"
		switch {
		case len(k.pattern) == 0:
			src = append(src, concatUnits("(?:", prefix, suffix, ")", k.modifier)...)
		case len(prefix) > 0 || len(suffix) > 0:
			keys = append(keys, *k)
			if repeat {
				opt := ""
				if k.modifier == "*" {
					opt = "?"
				}
				src = append(src, concatUnits("(?:", prefix, "((?:", k.pattern, ")(?:", suffix, prefix, "(?:", k.pattern, "))*)", suffix, ")", opt)...)
			} else {
				src = append(src, concatUnits("(?:", prefix, "(", k.pattern, ")", suffix, ")", k.modifier)...)
			}
		default:
			keys = append(keys, *k)
			if repeat {
				return nil, nil, errors.New(`Can not repeat "` + k.name + `" without a prefix and suffix`)
			}
			src = append(src, concatUnits("(", k.pattern, ")", k.modifier)...)
		}
	}
	// strict=false: one optional trailing delimiter; end=true: anchored.
	src = append(src, concatUnits("[", ptrEscape(stringUnits(ptrDelimiter)), "]?$")...)
	return src, keys, nil
}

// pathRegexp is a compiled path-to-regexp pattern (or list of patterns).
type pathRegexp struct {
	re   *jsRegexp
	keys []ptrKey
}

// pathToRegexpSource returns the JavaScript regular-expression source that
// path-to-regexp 6.x builds for pattern, and its keys.
func pathToRegexpSource(pattern string) ([]uint16, []ptrKey, error) {
	parts, err := ptrParse(stringUnits(pattern))
	if err != nil {
		return nil, nil, err
	}
	return ptrSource(parts)
}

// compilePathPattern compiles one pattern like path-to-regexp's
// pathToRegexp(pattern). The error's message is path-to-regexp's (or the
// JavaScript SyntaxError's) reason, without Clerk's wrapping.
func compilePathPattern(pattern string) (*pathRegexp, error) {
	src, keys, err := pathToRegexpSource(pattern)
	if err != nil {
		return nil, err
	}
	re, err := compileJSRegexp(src)
	if err != nil {
		return nil, err
	}
	return &pathRegexp{re: re, keys: keys}, nil
}

// compilePathPatternList compiles a list of patterns into one regular
// expression, like path-to-regexp's pathToRegexp([...]): the alternation
// "(?:p1|p2|...)" of every pattern's source, with the keys of all patterns in
// order. Each pattern is first compiled on its own, as path-to-regexp does,
// so errors come in the same order. An empty list matches every path.
func compilePathPatternList(patterns []string) (*pathRegexp, error) {
	src := stringUnits("(?:")
	var keys []ptrKey
	for i, p := range patterns {
		one, k, err := pathToRegexpSource(p)
		if err != nil {
			return nil, err
		}
		if _, err := compileJSRegexp(one); err != nil {
			return nil, err
		}
		if i > 0 {
			src = append(src, '|')
		}
		src = append(src, v8EscapeSource(one)...)
		keys = append(keys, k...)
	}
	src = append(src, ')')
	re, err := compileJSRegexp(src)
	if err != nil {
		return nil, err
	}
	return &pathRegexp{re: re, keys: keys}, nil
}

// errParamGroup is returned by exec where JavaScript's match function throws
// (a capturing group with no key: a named group inside a custom pattern).
var errParamGroup = errors.New("path-to-regexp: capturing group without a parameter")

// ptrParam is a matched parameter value.
type ptrParam struct {
	// value is the text, not decoded. For a repeated parameter ("*", "+"),
	// JavaScript has an array of the parts; value is then the parts joined
	// by ",", which is how JavaScript turns that array into a string.
	value string
	array bool
}

// truthy is JavaScript's truthiness of the parameter: a non-empty string, or
// any array.
func (p ptrParam) truthy() bool { return p.array || p.value != "" }

// exec matches the unit string s and returns the parameters like
// path-to-regexp's match() with Clerk's options (values are not decoded).
func (p *pathRegexp) exec(s string) (params map[string]ptrParam, matched bool, err error) {
	groups, set, ok, err := p.re.submatches(s)
	if err != nil || !ok {
		return nil, false, err
	}
	params = map[string]ptrParam{}
	for w := 1; w < len(groups); w++ {
		if !set[w] {
			continue
		}
		if w-1 >= len(p.keys) {
			return nil, false, errParamGroup
		}
		k := p.keys[w-1]
		v := ptrParam{value: groups[w]}
		if k.modifier == "*" || k.modifier == "+" {
			// value.split(prefix + suffix); the separator is never empty
			// (a repeated parameter needs a prefix or suffix).
			v = ptrParam{value: strings.ReplaceAll(v.value, unitsString(k.prefix)+unitsString(k.suffix), ","), array: true}
		}
		params[k.name] = v
	}
	return params, true, nil
}

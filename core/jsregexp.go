package clerk

// A JavaScript regular-expression front end for the route matchers.
//
// path-to-regexp builds JavaScript regular expressions (flag "i", no "u"),
// and custom parameter patterns such as "/users/:id(\\d+)" are JavaScript
// regular-expression source. To give Go users the answers Clerk's JavaScript
// gives, the source is parsed here with the grammar and quirks of V8 (the
// engine of Node.js, ECMA-262 Annex B, non-Unicode mode) into a small syntax
// tree over UTF-16 code units, and the tree is then written out for one of two
// engines:
//
//   - Go's regexp package (RE2: linear time, no backtracking), whenever the
//     tree has no lookaround and no back-reference. This is the common case:
//     every pattern without a custom "(...)" part, and most with one.
//   - github.com/dlclark/regexp2 (a backtracking engine, in ECMAScript mode)
//     only for trees that need lookaround or back-references, such as the
//     Next.js matcher "/((?!_next|...).*)". Every match runs with a timeout
//     (jsMatchTimeout), so a pathological pattern cannot hang a request.
//
// Both outputs spell JavaScript's semantics out explicitly instead of relying
// on engine flags: case-insensitivity is expanded into character sets with
// JavaScript's Canonicalize table (jscase_table.go; Go's and .NET's folding
// differ, e.g. for U+212A KELVIN SIGN and U+017F LONG S), "." excludes the four
// JavaScript line terminators, "\s" is JavaScript's white-space set, and text
// is matched as UTF-16 code units (see toUnits), so that "." or "[^/]" see a
// character outside the Basic Multilingual Plane as two units, as JavaScript
// does.

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// jsMatchTimeout bounds one match of a backtracking (regexp2) pattern.
// Path patterns compiled by path-to-regexp 6.3 avoid catastrophic
// backtracking, so real matches take microseconds; the bound only stops a
// hostile or accidental exponential pattern.
const jsMatchTimeout = 100 * time.Millisecond

// ErrMatchTimeout is returned (wrapped) by [RouteMatcher.Match] and
// [RouteMatcher.MatchPath] when a pattern that needs the backtracking engine
// (lookaround or back-references) did not finish within its time limit. Treat
// it as a server error; it indicates a pathological pattern.
var ErrMatchTimeout = errors.New("clerk: route pattern match timed out")

// ---------------------------------------------------------------------------
// Unit sets

const maxUnit = 0xFFFF

type unitRange struct{ lo, hi rune }

// unitSet is a sorted list of disjoint, non-adjacent ranges of UTF-16 code
// units.
type unitSet []unitRange

func (s unitSet) norm() unitSet {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			if r.hi > last.hi {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s unitSet) contains(u rune) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= u })
	return i < len(s) && s[i].lo <= u
}

func (s unitSet) negate() unitSet {
	var out unitSet
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out = append(out, unitRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= maxUnit {
		out = append(out, unitRange{next, maxUnit})
	}
	return out
}

func (s unitSet) minus(t unitSet) unitSet {
	// s ∩ ¬t
	nt := t.negate()
	var out unitSet
	i, j := 0, 0
	for i < len(s) && j < len(nt) {
		lo := max(s[i].lo, nt[j].lo)
		hi := min(s[i].hi, nt[j].hi)
		if lo <= hi {
			out = append(out, unitRange{lo, hi})
		}
		if s[i].hi < nt[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

func (s unitSet) single() (rune, bool) {
	if len(s) == 1 && s[0].lo == s[0].hi {
		return s[0].lo, true
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// JavaScript case canonicalisation (ECMA-262 Canonicalize, non-Unicode)

type jsCaseTables struct {
	canon  map[rune]rune   // units whose Canonicalize differs from themselves
	orbits [][]rune        // sets of ≥2 units with the same Canonicalize
	orbit  map[rune][]rune // unit -> its orbit
}

var jsCase = sync.OnceValue(func() *jsCaseTables {
	t := &jsCaseTables{canon: make(map[rune]rune, len(jsCanonData)/4), orbit: map[rune][]rune{}}
	groups := map[rune][]rune{}
	for i := 0; i+3 < len(jsCanonData); i += 4 {
		ch := rune(jsCanonData[i])<<8 | rune(jsCanonData[i+1])
		k := rune(jsCanonData[i+2])<<8 | rune(jsCanonData[i+3])
		t.canon[ch] = k
		groups[k] = append(groups[k], ch)
	}
	for k, members := range groups {
		if _, ok := t.canon[k]; !ok { // k canonicalises to itself
			members = append(members, k)
		}
		if len(members) < 2 {
			continue
		}
		sort.Slice(members, func(i, j int) bool { return members[i] < members[j] })
		t.orbits = append(t.orbits, members)
		for _, m := range members {
			t.orbit[m] = members
		}
	}
	sort.Slice(t.orbits, func(i, j int) bool { return t.orbits[i][0] < t.orbits[j][0] })
	return t
})

// jsCanonicalize is ECMA-262 Canonicalize(ch) for ignoreCase without unicode.
func jsCanonicalize(u rune) rune {
	if k, ok := jsCase().canon[u]; ok {
		return k
	}
	return u
}

// caseClose returns every unit that matches s case-insensitively: the units
// whose Canonicalize equals that of a member of s.
func (s unitSet) caseClose() unitSet {
	out := append(unitSet(nil), s...)
	added := false
	for _, o := range jsCase().orbits {
		in := false
		for _, m := range o {
			if s.contains(m) {
				in = true
				break
			}
		}
		if !in {
			continue
		}
		for _, m := range o {
			if !s.contains(m) {
				out = append(out, unitRange{m, m})
				added = true
			}
		}
	}
	if added {
		out = out.norm()
	}
	return out
}

func unitLiteral(u rune, icase bool) unitSet {
	if icase {
		if o, ok := jsCase().orbit[u]; ok {
			s := make(unitSet, 0, len(o))
			for _, m := range o {
				s = append(s, unitRange{m, m})
			}
			return s.norm()
		}
	}
	return unitSet{{u, u}}
}

var (
	jsDigits = unitSet{{'0', '9'}}
	jsWord   = unitSet{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	jsSpace  = unitSet{{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
		{0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}}
	jsLineTerminators = unitSet{{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}}
)

// ---------------------------------------------------------------------------
// Syntax tree

type reOp uint8

const (
	reEmpty    reOp = iota // matches the empty string
	reSet                  // one code unit from set
	reConcat               // subs in sequence
	reAlt                  // first matching of subs
	reRepeat               // subs[0] repeated min..max (max < 0: unbounded)
	reCapture              // capturing group idx around subs[0]
	reLook                 // lookaround (neg, behind) around subs[0]
	reBackref              // back-reference to group idx
	reBOL                  // ^
	reEOL                  // $
	reWordB                // \b
	reNotWordB             // \B
	reDead                 // matches empty; groups inside subs[0] never participate
)

type reNode struct {
	op          reOp
	set         unitSet
	subs        []*reNode
	min, max    int
	lazy        bool
	idx         int
	neg, behind bool
}

const (
	reInfinity = -1         // an unbounded maximum
	jsInfinity = 0x7FFFFFFF // V8's kInfinity: counts that overflow saturate here
)

// zeroWidth reports whether n can consume no code unit at all (V8's
// max_match() == 0), which decides what a quantifier does to it.
func (n *reNode) zeroWidth() bool {
	switch n.op {
	case reSet, reBackref:
		return false
	case reConcat, reAlt:
		for _, s := range n.subs {
			if !s.zeroWidth() {
				return false
			}
		}
		return true
	case reRepeat:
		return n.max == 0 || n.subs[0].zeroWidth()
	case reCapture:
		return n.subs[0].zeroWidth()
	}
	return true
}

func (n *reNode) needsBacktracking() bool {
	switch n.op {
	case reDead:
		return false // emitted as its groups only
	case reLook, reBackref:
		return true
	case reRepeat:
		if n.min > 1000 || n.max > 1000 {
			return true // beyond RE2's repetition limit
		}
	}
	for _, s := range n.subs {
		if s.needsBacktracking() {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Parser (V8, non-Unicode, Annex B)

// jsSyntaxError is a JavaScript SyntaxError from the RegExp constructor; its
// message is V8's.
type jsSyntaxError struct{ msg string }

func (e *jsSyntaxError) Error() string { return e.msg }

const unitEnd = -1

type jsParser struct {
	src        []uint16
	pos        int
	icase      bool
	capStarted int
	capCount   int
	scanned    bool
	hasNamed   bool
	names      map[string]int
	namedRefs  []namedRef
	open       []openGroup // enclosing groups, innermost last
}

type namedRef struct {
	name string
	node *reNode
}

type openGroup struct {
	capture bool
	idx     int
	name    string
}

type jsRegexpTree struct {
	root *reNode
	ncap int
}

func parseJSRegexp(src []uint16, icase bool) (*jsRegexpTree, error) {
	p := &jsParser{src: src, icase: icase}
	root, err := p.disjunction()
	if err != nil {
		return nil, p.errorf(err.Error())
	}
	for _, r := range p.namedRefs {
		idx, ok := p.names[r.name]
		if !ok {
			return nil, p.errorf("Invalid named capture referenced")
		}
		r.node.idx = idx
	}
	return &jsRegexpTree{root: root, ncap: p.capStarted}, nil
}

func (p *jsParser) errorf(msg string) error {
	flags := ""
	if p.icase {
		flags = "i"
	}
	return &jsSyntaxError{"Invalid regular expression: /" + unitsString(p.src) + "/" + flags + ": " + msg}
}

type parseErr string

func (e parseErr) Error() string { return string(e) }

func (p *jsParser) at(i int) rune {
	if i < len(p.src) {
		return rune(p.src[i])
	}
	return unitEnd
}

func (p *jsParser) cur() rune  { return p.at(p.pos) }
func (p *jsParser) next() rune { return p.at(p.pos + 1) }

func (p *jsParser) inGroup() bool { return len(p.open) > 0 }

func (p *jsParser) insideCapture(idx int) bool {
	for _, g := range p.open {
		if g.capture && g.idx == idx {
			return true
		}
	}
	return false
}

func (p *jsParser) insideNamed(name string) bool {
	for _, g := range p.open {
		if g.capture && g.name == name {
			return true
		}
	}
	return false
}

// scanForCaptures counts the capturing groups from the current position on
// and notes named ones, the way V8 does before it can decide what "\N" or
// "\k" means.
func (p *jsParser) scanForCaptures(inClass bool) {
	count := p.capStarted
	for i := p.pos; i < len(p.src); {
		c := p.src[i]
		i++
		switch c {
		case '\\':
			i++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '(':
			if inClass {
				break
			}
			if p.at(i) == '?' {
				i++
				if p.at(i) != '<' {
					break
				}
				i++
				if c := p.at(i); c == '=' || c == '!' {
					break
				}
				p.hasNamed = true
			}
			count++
		}
	}
	p.capCount = count
	p.scanned = true
}

func (p *jsParser) hasNamedCaptures(inClass bool) bool {
	if p.hasNamed || p.scanned {
		return p.hasNamed
	}
	p.scanForCaptures(inClass)
	return p.hasNamed
}

// disjunction parses alternatives up to the end of the pattern (top level)
// or up to and including the ")" that closes the current group.
func (p *jsParser) disjunction() (*reNode, error) {
	var alts []*reNode
	var terms []*reNode
	finish := func() *reNode {
		alts = append(alts, concat(terms))
		if len(alts) == 1 {
			return alts[0]
		}
		return &reNode{op: reAlt, subs: alts}
	}
	for {
		var atom *reNode
		isLookbehind := false
		// emptyAtom: a back-reference inside the group it refers to. V8
		// replaces it with "empty" and ignores a quantifier after it.
		emptyAtom := false
		switch c := p.cur(); c {
		case unitEnd:
			if p.inGroup() {
				return nil, parseErr("Unterminated group")
			}
			return finish(), nil
		case ')':
			if !p.inGroup() {
				return nil, parseErr("Unmatched ')'")
			}
			p.pos++
			return finish(), nil
		case '|':
			p.pos++
			alts = append(alts, concat(terms))
			terms = nil
			continue
		case '*', '+', '?':
			return nil, parseErr("Nothing to repeat")
		case '^':
			p.pos++
			terms = append(terms, &reNode{op: reBOL})
			continue
		case '$':
			p.pos++
			terms = append(terms, &reNode{op: reEOL})
			continue
		case '.':
			p.pos++
			atom = &reNode{op: reSet, set: jsLineTerminators.negate()}
		case '(':
			n, behind, err := p.group()
			if err != nil {
				return nil, err
			}
			atom, isLookbehind = n, behind
		case '[':
			set, err := p.class()
			if err != nil {
				return nil, err
			}
			atom = &reNode{op: reSet, set: set}
		case '\\':
			switch n := p.next(); n {
			case unitEnd:
				return nil, parseErr("\\ at end of pattern")
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				if idx, ok := p.backrefIndex(); ok {
					if p.insideCapture(idx) {
						atom, emptyAtom = &reNode{op: reEmpty}, true
					} else {
						atom = &reNode{op: reBackref, idx: idx}
					}
					break
				}
				if n == '8' || n == '9' {
					p.pos += 2
					atom = p.literal(n)
					break
				}
				p.pos++
				atom = p.literal(p.octal())
			case '0':
				p.pos++
				atom = p.literal(p.octal())
			case 'b', 'B':
				p.pos += 2
				op := reWordB
				if n == 'B' {
					op = reNotWordB
				}
				terms = append(terms, &reNode{op: op})
				continue
			case 'd', 'D', 's', 'S', 'w', 'W':
				p.pos += 2
				atom = &reNode{op: reSet, set: classEscape(n)}
			case 'k':
				if p.hasNamedCaptures(false) {
					p.pos += 2
					if p.cur() != '<' {
						return nil, parseErr("Invalid named reference")
					}
					p.pos++
					name, err := p.groupName()
					if err != nil {
						return nil, err
					}
					if p.insideNamed(name) {
						atom, emptyAtom = &reNode{op: reEmpty}, true
					} else {
						atom = &reNode{op: reBackref}
						p.namedRefs = append(p.namedRefs, namedRef{name, atom})
					}
					break
				}
				fallthrough
			default:
				u, err := p.charEscape(false)
				if err != nil {
					return nil, err
				}
				atom = p.literal(u)
			}
		case '{':
			if _, _, ok := p.interval(); ok {
				return nil, parseErr("Nothing to repeat")
			}
			p.pos++
			atom = p.literal(c)
		default:
			p.pos++
			atom = p.literal(c)
		}

		// Quantifier.
		minN, maxN := 0, 0
		switch p.cur() {
		case '*':
			minN, maxN = 0, reInfinity
			p.pos++
		case '+':
			minN, maxN = 1, reInfinity
			p.pos++
		case '?':
			minN, maxN = 0, 1
			p.pos++
		case '{':
			lo, hi, ok := p.interval()
			if !ok {
				terms = append(terms, atom)
				continue
			}
			if hi != reInfinity && hi < lo {
				return nil, parseErr("numbers out of order in {} quantifier")
			}
			minN, maxN = lo, hi
		default:
			terms = append(terms, atom)
			continue
		}
		lazy := false
		if p.cur() == '?' {
			lazy = true
			p.pos++
		}
		switch {
		case emptyAtom:
			terms = append(terms, atom)
		case isLookbehind:
			return nil, parseErr("Invalid quantifier")
		case atom.zeroWidth():
			// V8 drops a quantified atom that can only match empty when the
			// quantifier allows zero repetitions, and keeps it once otherwise.
			if minN == 0 {
				terms = append(terms, &reNode{op: reDead, subs: []*reNode{atom}})
			} else {
				terms = append(terms, atom)
			}
		default:
			terms = append(terms, &reNode{op: reRepeat, subs: []*reNode{atom}, min: minN, max: maxN, lazy: lazy})
		}
	}
}

func concat(terms []*reNode) *reNode {
	switch len(terms) {
	case 0:
		return &reNode{op: reEmpty}
	case 1:
		return terms[0]
	}
	return &reNode{op: reConcat, subs: terms}
}

func (p *jsParser) literal(u rune) *reNode {
	return &reNode{op: reSet, set: unitLiteral(u, p.icase)}
}

func classEscape(c rune) unitSet {
	switch c {
	case 'd':
		return jsDigits
	case 'D':
		return jsDigits.negate()
	case 's':
		return jsSpace
	case 'S':
		return jsSpace.negate()
	case 'w':
		return jsWord
	}
	return jsWord.negate()
}

// interval parses "{n}", "{n,}" or "{n,m}" at the current position. On
// failure the position is unchanged.
func (p *jsParser) interval() (lo, hi int, ok bool) {
	start := p.pos
	p.pos++
	num := func() (int, bool) {
		if !isDigit(p.cur()) {
			return 0, false
		}
		v := 0
		for isDigit(p.cur()) {
			d := int(p.cur() - '0')
			if v > (jsInfinity-d)/10 {
				for isDigit(p.cur()) {
					p.pos++
				}
				return jsInfinity, true
			}
			v = v*10 + d
			p.pos++
		}
		return v, true
	}
	lo, ok = num()
	if !ok {
		p.pos = start
		return 0, 0, false
	}
	switch p.cur() {
	case '}':
		p.pos++
		return lo, lo, true
	case ',':
		p.pos++
		if p.cur() == '}' {
			p.pos++
			return lo, reInfinity, true
		}
		hi, ok = num()
		if !ok || p.cur() != '}' {
			p.pos = start
			return 0, 0, false
		}
		p.pos++
		if hi == jsInfinity {
			hi = reInfinity
		}
		return lo, hi, true
	}
	p.pos = start
	return 0, 0, false
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

func isHex(c rune) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c rune) rune {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// backrefIndex parses "\N" at the current position as a back-reference if N
// is no greater than the number of capturing groups in the whole pattern.
func (p *jsParser) backrefIndex() (int, bool) {
	start := p.pos
	v := int(p.next() - '0')
	p.pos += 2
	for isDigit(p.cur()) {
		v = v*10 + int(p.cur()-'0')
		if v > 1<<16 {
			p.pos = start
			return 0, false
		}
		p.pos++
	}
	if v > p.capStarted {
		if !p.scanned {
			p.scanForCaptures(false)
		}
		if v > p.capCount {
			p.pos = start
			return 0, false
		}
	}
	return v, true
}

// octal parses a legacy octal escape (up to three digits, value ≤ 0377) at
// the current position, which holds its first digit.
func (p *jsParser) octal() rune {
	v := p.cur() - '0'
	p.pos++
	if c := p.cur(); c >= '0' && c <= '7' {
		v = v*8 + c - '0'
		p.pos++
		if c := p.cur(); v < 32 && c >= '0' && c <= '7' {
			v = v*8 + c - '0'
			p.pos++
		}
	}
	return v
}

// charEscape parses a CharacterEscape; the current position holds the "\".
func (p *jsParser) charEscape(inClass bool) (rune, error) {
	p.pos++
	c := p.cur()
	switch c {
	case 'f':
		p.pos++
		return '\f', nil
	case 'n':
		p.pos++
		return '\n', nil
	case 'r':
		p.pos++
		return '\r', nil
	case 't':
		p.pos++
		return '\t', nil
	case 'v':
		p.pos++
		return '\v', nil
	case 'c':
		l := p.next()
		if letter := l &^ 0x20; letter >= 'A' && letter <= 'Z' {
			p.pos += 2
			return l & 0x1F, nil
		}
		if inClass && (isDigit(l) || l == '_') {
			p.pos += 2
			return l & 0x1F, nil
		}
		return '\\', nil // the backslash is a literal; "c" is read next
	case '0':
		if !isDigit(p.next()) {
			p.pos++
			return 0, nil
		}
		return p.octal(), nil
	case '1', '2', '3', '4', '5', '6', '7':
		return p.octal(), nil
	case 'x':
		p.pos++
		if isHex(p.cur()) && isHex(p.next()) {
			v := hexVal(p.cur())<<4 | hexVal(p.next())
			p.pos += 2
			return v, nil
		}
		return 'x', nil
	case 'u':
		p.pos++
		if v, ok := p.hex4(); ok {
			return v, nil
		}
		return 'u', nil
	}
	if c == 'k' && p.hasNamedCaptures(inClass) {
		return 0, parseErr("Invalid escape")
	}
	p.pos++
	return c, nil
}

func (p *jsParser) hex4() (rune, bool) {
	var v rune
	for i := 0; i < 4; i++ {
		c := p.at(p.pos + i)
		if !isHex(c) {
			return 0, false
		}
		v = v<<4 | hexVal(c)
	}
	p.pos += 4
	return v, true
}

// class parses a character class at "[" and returns the set it matches
// (negation and case-insensitivity applied).
func (p *jsParser) class() (unitSet, error) {
	p.pos++
	negated := false
	if p.cur() == '^' {
		negated = true
		p.pos++
	}
	var set unitSet
	for p.cur() != unitEnd && p.cur() != ']' {
		c1, cls1, err := p.classAtom(&set)
		if err != nil {
			return nil, err
		}
		if p.cur() == '-' {
			p.pos++
			if p.cur() == unitEnd {
				break
			}
			if p.cur() == ']' {
				if !cls1 {
					set = append(set, unitRange{c1, c1})
				}
				set = append(set, unitRange{'-', '-'})
				break
			}
			c2, cls2, err := p.classAtom(&set)
			if err != nil {
				return nil, err
			}
			if cls1 || cls2 {
				if !cls1 {
					set = append(set, unitRange{c1, c1})
				}
				set = append(set, unitRange{'-', '-'})
				if !cls2 {
					set = append(set, unitRange{c2, c2})
				}
				continue
			}
			if c1 > c2 {
				return nil, parseErr("Range out of order in character class")
			}
			set = append(set, unitRange{c1, c2})
			continue
		}
		if !cls1 {
			set = append(set, unitRange{c1, c1})
		}
	}
	if p.cur() == unitEnd {
		return nil, parseErr("Unterminated character class")
	}
	p.pos++
	set = set.norm()
	if p.icase {
		set = set.caseClose()
	}
	if negated {
		set = set.negate()
	}
	return set, nil
}

// classAtom parses one ClassAtom; class escapes (\d, \w, ...) are added to
// set directly and reported with isClass.
func (p *jsParser) classAtom(set *unitSet) (c rune, isClass bool, err error) {
	if p.cur() != '\\' {
		c = p.cur()
		p.pos++
		return c, false, nil
	}
	switch n := p.next(); n {
	case 'b':
		p.pos += 2
		return '\b', false, nil
	case unitEnd:
		return 0, false, parseErr("\\ at end of pattern")
	case 'd', 'D', 's', 'S', 'w', 'W':
		p.pos += 2
		*set = append(*set, classEscape(n)...)
		return 0, true, nil
	}
	c, err = p.charEscape(true)
	return c, false, err
}

// group parses a group at "(" through its ")".
func (p *jsParser) group() (node *reNode, lookbehind bool, err error) {
	p.pos++
	g := openGroup{capture: true}
	var look *reNode
	if p.cur() == '?' {
		switch p.next() {
		case ':':
			p.pos += 2
			g.capture = false
		case '=', '!':
			look = &reNode{op: reLook, neg: p.next() == '!'}
			p.pos += 2
			g.capture = false
		case '<':
			p.pos++
			if n := p.next(); n == '=' || n == '!' {
				look = &reNode{op: reLook, neg: n == '!', behind: true}
				p.pos += 2
				g.capture = false
				break
			}
			p.pos++
			p.hasNamed = true
			p.capStarted++
			g.idx = p.capStarted
			name, err := p.groupName()
			if err != nil {
				return nil, false, err
			}
			g.name = name
		default:
			return nil, false, parseErr("Invalid group")
		}
	}
	if g.capture && g.name == "" {
		p.capStarted++
		g.idx = p.capStarted
	}
	p.open = append(p.open, g)
	body, err := p.disjunction()
	p.open = p.open[:len(p.open)-1]
	if err != nil {
		return nil, false, err
	}
	switch {
	case look != nil:
		look.subs = []*reNode{body}
		return look, look.behind, nil
	case g.capture:
		if g.name != "" {
			if p.names == nil {
				p.names = map[string]int{}
			}
			if _, dup := p.names[g.name]; dup {
				return nil, false, parseErr("Duplicate capture group name")
			}
			p.names[g.name] = g.idx
		}
		return &reNode{op: reCapture, idx: g.idx, subs: []*reNode{body}}, false, nil
	}
	return body, false, nil
}

// groupName parses "name>" of "(?<name>" or "\k<name>".
func (p *jsParser) groupName() (string, error) {
	var b strings.Builder
	first := true
	for {
		c := p.cur()
		if c == unitEnd {
			return "", parseErr("Invalid capture group name")
		}
		p.pos++
		if utf16.IsSurrogate(c) && c < 0xDC00 {
			if lo := p.cur(); lo >= 0xDC00 && lo <= 0xDFFF {
				c = utf16.DecodeRune(c, lo)
				p.pos++
			}
		}
		if c == '\\' && p.cur() == 'u' {
			p.pos++
			v, ok := p.hex4()
			if !ok {
				return "", parseErr("Invalid Unicode escape")
			}
			c = v
		}
		if c == '\\' {
			return "", parseErr("Invalid capture group name")
		}
		if first {
			if !isIDStart(c) {
				return "", parseErr("Invalid capture group name")
			}
			first = false
			b.WriteRune(c)
			continue
		}
		if c == '>' {
			return b.String(), nil
		}
		if !isIDPart(c) {
			return "", parseErr("Invalid capture group name")
		}
		b.WriteRune(c)
	}
}

func isIDStart(c rune) bool {
	return c == '$' || c == '_' || unicode.IsOneOf([]*unicode.RangeTable{unicode.L, unicode.Nl, unicode.Other_ID_Start}, c)
}

func isIDPart(c rune) bool {
	return isIDStart(c) || c == 0x200C || c == 0x200D ||
		unicode.IsOneOf([]*unicode.RangeTable{unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue}, c)
}

// ---------------------------------------------------------------------------
// Peephole: (?!x)C and (?=x)C over single units become one set, so the
// parameter patterns path-to-regexp emits after one-character text (such as
// "/:name.:ext" or "/:a-:b") stay on the linear-time engine.

func simplify(n *reNode) *reNode {
	for i, s := range n.subs {
		n.subs[i] = simplify(s)
	}
	if n.op != reConcat {
		return n
	}
	out := n.subs[:0]
	for i := 0; i < len(n.subs); i++ {
		s := n.subs[i]
		if s.op == reLook && !s.behind && s.subs[0].op == reSet && i+1 < len(n.subs) && n.subs[i+1].op == reSet {
			next := n.subs[i+1]
			var set unitSet
			if s.neg {
				set = next.set.minus(s.subs[0].set)
			} else {
				set = next.set.minus(s.subs[0].set.negate())
			}
			out = append(out, &reNode{op: reSet, set: set})
			i++
			continue
		}
		out = append(out, s)
	}
	n.subs = out
	if len(n.subs) == 1 {
		return n.subs[0]
	}
	return n
}

// ---------------------------------------------------------------------------
// Code units in Go strings
//
// Go strings hold UTF-8 and Go's engines see runes, JavaScript sees UTF-16
// code units. A unit string is a Go string in which every rune is one code
// unit: characters of the Basic Multilingual Plane stand for themselves and a
// surrogate code unit s is written as the rune 0xF0000+(s-0xD800), a
// private-use code point that cannot otherwise occur there (characters above
// U+FFFF are always split into their surrogates).

const surrogateBase = 0xF0000

func unitRune(u rune) rune {
	if u >= 0xD800 && u <= 0xDFFF {
		return surrogateBase + u - 0xD800
	}
	return u
}

// toUnits converts s to a unit string; s itself when it has no character
// above U+FFFF (no allocation).
func toUnits(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if s[i] >= 0xF0 {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteString(s[:i])
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			b.WriteRune(unitRune(hi))
			b.WriteRune(unitRune(lo))
		} else {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

// fromUnits is the inverse of toUnits; a lone surrogate becomes U+FFFD.
func fromUnits(s string) string {
	if strings.IndexFunc(s, isUnitSurrogate) < 0 {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if isUnitSurrogate(r) {
			hi := r - surrogateBase + 0xD800
			if hi < 0xDC00 && i+1 < len(rs) && isUnitSurrogate(rs[i+1]) && rs[i+1]-surrogateBase+0xD800 >= 0xDC00 {
				b.WriteRune(utf16.DecodeRune(hi, rs[i+1]-surrogateBase+0xD800))
				i++
				continue
			}
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isUnitSurrogate(r rune) bool { return r >= surrogateBase && r < surrogateBase+0x800 }

// stringUnits returns the UTF-16 code units of s (invalid UTF-8 reads as
// U+FFFD).
func stringUnits(s string) []uint16 { return utf16.Encode([]rune(s)) }

// unitsString converts code units back to a Go string (lone surrogates become
// U+FFFD).
func unitsString(u []uint16) string { return string(utf16.Decode(u)) }

// ---------------------------------------------------------------------------
// Emitting for RE2 (Go's regexp) and regexp2

type emitTarget uint8

const (
	targetRE2 emitTarget = iota
	targetRegexp2
)

func emit(b *strings.Builder, n *reNode, t emitTarget) {
	switch n.op {
	case reEmpty:
		b.WriteString("(?:)")
	case reSet:
		emitSet(b, n.set, t)
	case reConcat:
		for _, s := range n.subs {
			emit(b, s, t)
		}
	case reAlt:
		b.WriteString("(?:")
		for i, s := range n.subs {
			if i > 0 {
				b.WriteByte('|')
			}
			emit(b, s, t)
		}
		b.WriteByte(')')
	case reRepeat:
		b.WriteString("(?:")
		emit(b, n.subs[0], t)
		b.WriteByte(')')
		switch {
		case n.min == 0 && n.max == reInfinity:
			b.WriteByte('*')
		case n.min == 1 && n.max == reInfinity:
			b.WriteByte('+')
		case n.min == 0 && n.max == 1:
			b.WriteByte('?')
		default:
			b.WriteByte('{')
			b.WriteString(strconv.Itoa(n.min))
			if n.max != n.min {
				b.WriteByte(',')
				if n.max != reInfinity {
					b.WriteString(strconv.Itoa(n.max))
				}
			}
			b.WriteByte('}')
		}
		if n.lazy {
			b.WriteByte('?')
		}
	case reCapture:
		b.WriteByte('(')
		emit(b, n.subs[0], t)
		b.WriteByte(')')
	case reLook:
		b.WriteString("(?")
		if n.behind {
			b.WriteByte('<')
		}
		if n.neg {
			b.WriteByte('!')
		} else {
			b.WriteByte('=')
		}
		emit(b, n.subs[0], t)
		b.WriteByte(')')
	case reBackref:
		// JavaScript compares a back-reference case-insensitively under the
		// "i" flag; regexp2 then folds with .NET's rules (the only place
		// where its folding is used).
		b.WriteString(`(?i:\`)
		b.WriteString(strconv.Itoa(n.idx))
		b.WriteByte(')')
	case reBOL:
		b.WriteByte('^')
	case reEOL:
		b.WriteByte('$')
	case reWordB:
		b.WriteString(`\b`)
	case reNotWordB:
		b.WriteString(`\B`)
	case reDead:
		// Never entered; only its capturing groups are kept, so that the
		// groups after it keep their numbers.
		b.WriteString("(?:")
		emitSet(b, nil, t)
		for i := 0; i < countCaptures(n.subs[0]); i++ {
			b.WriteString("()")
		}
		b.WriteString(")?")
	}
}

func countCaptures(n *reNode) int {
	c := 0
	if n.op == reCapture {
		c++
	}
	for _, s := range n.subs {
		c += countCaptures(s)
	}
	return c
}

func emitSet(b *strings.Builder, s unitSet, t emitTarget) {
	if len(s) == 0 {
		if t == targetRE2 {
			b.WriteString(`[^\x00-\x{10FFFF}]`)
		} else {
			b.WriteString(`(?!)`)
		}
		return
	}
	if u, ok := s.single(); ok {
		emitUnit(b, u, t)
		return
	}
	b.WriteByte('[')
	for _, r := range s {
		// Split at the surrogate block, which maps elsewhere.
		lo, hi := r.lo, r.hi
		for lo <= hi {
			end := hi
			switch {
			case lo < 0xD800 && hi >= 0xD800:
				end = 0xD7FF
			case lo >= 0xD800 && lo <= 0xDFFF && hi > 0xDFFF:
				end = 0xDFFF
			}
			emitUnit(b, lo, t)
			if end != lo {
				b.WriteByte('-')
				emitUnit(b, end, t)
			}
			lo = end + 1
		}
	}
	b.WriteByte(']')
}

func emitUnit(b *strings.Builder, u rune, t emitTarget) {
	r := unitRune(u)
	switch {
	case r > 0xFFFF:
		b.WriteRune(r) // a private-use character: not special to either engine
	case t == targetRE2:
		b.WriteString(`\x{`)
		b.WriteString(strconv.FormatInt(int64(r), 16))
		b.WriteByte('}')
	default:
		const hex = "0123456789ABCDEF"
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&0xF])
		b.WriteByte(hex[r>>8&0xF])
		b.WriteByte(hex[r>>4&0xF])
		b.WriteByte(hex[r&0xF])
	}
}

// ---------------------------------------------------------------------------
// Compiled JavaScript regular expressions

// jsRegexp is a compiled JavaScript regular expression (flag "i", no "u")
// that matches unit strings.
type jsRegexp struct {
	source string // JavaScript source, for messages
	ncap   int
	// prefix is an ASCII text every match starts with (letters in lower
	// case, to be compared case-insensitively): a cheap filter before the
	// engine runs.
	prefix string
	re2src string // when the pattern runs on Go's regexp
	re2    *regexp.Regexp
	rx2    *regexp2.Regexp
}

// compileJSRegexp compiles JavaScript regular-expression source with the "i"
// flag, reporting V8's SyntaxError messages.
func compileJSRegexp(src []uint16) (*jsRegexp, error) {
	tree, err := parseJSRegexp(src, true)
	if err != nil {
		return nil, err
	}
	root := simplify(tree.root)
	r := &jsRegexp{source: unitsString(src), ncap: tree.ncap}
	if len(root.subs) > 0 && root.op == reConcat && root.subs[0].op == reBOL {
		var b []byte
		literalPrefix(root.subs[1:], &b)
		r.prefix = string(b)
	}
	if !root.needsBacktracking() {
		var b strings.Builder
		emit(&b, root, targetRE2)
		if re, err := regexp.Compile(b.String()); err == nil {
			r.re2src, r.re2 = b.String(), re
			return r, nil
		}
		// Beyond an RE2 size limit: fall through to the backtracking engine.
	}
	var b strings.Builder
	emit(&b, root, targetRegexp2)
	rx, err := regexp2.Compile(b.String(), regexp2.ECMAScript)
	if err != nil {
		// Not expected: the tree was validated by the JavaScript grammar.
		return nil, &jsSyntaxError{"Invalid regular expression: /" + r.source + "/i: " + err.Error()}
	}
	rx.MatchTimeout = jsMatchTimeout
	r.rx2 = rx
	return r, nil
}

// literalPrefix appends to b the ASCII text that the sequence nodes must
// start with; it reports whether all of nodes are such text.
func literalPrefix(nodes []*reNode, b *[]byte) bool {
	for _, n := range nodes {
		switch n.op {
		case reSet:
			c, ok := asciiLiteral(n.set)
			if !ok {
				return false
			}
			*b = append(*b, c)
		case reConcat:
			if !literalPrefix(n.subs, b) {
				return false
			}
		case reCapture:
			if !literalPrefix(n.subs, b) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// asciiLiteral reports whether s is one ASCII character, or an ASCII letter
// in both cases (returned in lower case).
func asciiLiteral(s unitSet) (byte, bool) {
	if u, ok := s.single(); ok && u < 0x80 && !isASCIILetter(u) {
		return byte(u), true
	}
	if len(s) == 2 && s[0].lo == s[0].hi && s[1].lo == s[1].hi && s[0].lo >= 'A' && s[0].lo <= 'Z' && s[1].lo == s[0].lo+32 {
		return byte(s[1].lo), true
	}
	return 0, false
}

func isASCIILetter(u rune) bool { return u >= 'a' && u <= 'z' || u >= 'A' && u <= 'Z' }

// hasPrefix reports whether the unit string s can match r's literal prefix.
func (r *jsRegexp) hasPrefix(s string) bool {
	p := r.prefix
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// match reports whether the unit string s matches.
func (r *jsRegexp) match(s string) (bool, error) {
	if !r.hasPrefix(s) {
		return false, nil
	}
	if r.re2 != nil {
		return r.re2.MatchString(s), nil
	}
	ok, err := r.rx2.MatchString(s)
	if err != nil {
		return false, timeoutError(r.source, err)
	}
	return ok, nil
}

// submatches returns, for a match, the text of every group 1..ncap (as Go
// strings) and whether each participated.
func (r *jsRegexp) submatches(s string) (groups []string, set []bool, matched bool, err error) {
	groups = make([]string, r.ncap+1)
	set = make([]bool, r.ncap+1)
	if r.re2 != nil {
		loc := r.re2.FindStringSubmatchIndex(s)
		if loc == nil {
			return nil, nil, false, nil
		}
		for i := 1; i <= r.ncap && 2*i+1 < len(loc); i++ {
			if loc[2*i] >= 0 {
				groups[i], set[i] = fromUnits(s[loc[2*i]:loc[2*i+1]]), true
			}
		}
		return groups, set, true, nil
	}
	m, err := r.rx2.FindStringMatch(s)
	if err != nil {
		return nil, nil, false, timeoutError(r.source, err)
	}
	if m == nil {
		return nil, nil, false, nil
	}
	for i := 1; i <= r.ncap; i++ {
		if g := m.GroupByNumber(i); g != nil && len(g.Captures) > 0 {
			groups[i], set[i] = fromUnits(g.String()), true
		}
	}
	return groups, set, true, nil
}

func timeoutError(source string, err error) error {
	return &matchTimeoutError{source: source, err: err}
}

type matchTimeoutError struct {
	source string
	err    error
}

func (e *matchTimeoutError) Error() string {
	return ErrMatchTimeout.Error() + ": /" + e.source + "/i: " + e.err.Error()
}

func (e *matchTimeoutError) Unwrap() error { return ErrMatchTimeout }

// v8EscapeSource is RegExp.prototype.source for a pattern: "/" outside a
// character class and line terminators are escaped; "(?:)" for the empty
// pattern.
func v8EscapeSource(src []uint16) []uint16 {
	if len(src) == 0 {
		return []uint16{'(', '?', ':', ')'}
	}
	out := make([]uint16, 0, len(src)+4)
	lineTerm := func(c uint16) []uint16 {
		switch c {
		case '\n':
			return []uint16{'n'}
		case '\r':
			return []uint16{'r'}
		case 0x2028:
			return []uint16{'u', '2', '0', '2', '8'}
		case 0x2029:
			return []uint16{'u', '2', '0', '2', '9'}
		}
		return nil
	}
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			out = append(out, '\\')
			i++
			if lt := lineTerm(src[i]); lt != nil {
				out = append(out, lt...)
			} else {
				out = append(out, src[i])
			}
			continue
		case c == '/' && !inClass:
			out = append(out, '\\', '/')
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		}
		if lt := lineTerm(c); lt != nil {
			out = append(out, '\\')
			out = append(out, lt...)
			continue
		}
		out = append(out, c)
	}
	return out
}

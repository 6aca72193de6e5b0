package clerk

import (
	"strconv"
	"strings"
)

// Check is one condition of an authorization check: a role, a permission, a
// feature, a plan or a reverification requirement. Build it with [Role],
// [Permission], [Feature], [Plan] or [Reverification] and pass it to
// [Auth.Has]. The zero Check asks nothing.
//
// Several checks given together must all hold, like the object passed to
// Clerk's has(): auth.Has(clerk.Role("admin"), clerk.Permission("org:x:y"))
// is has({ role: 'admin', permission: 'org:x:y' }). Checks of the same
// kind are ANDed too: Has(Permission("a"), Permission("b")) needs both (a
// JavaScript object cannot repeat a key; clerkguard never lets a later
// check hide an earlier one).
type Check struct {
	kind  checkKind
	value string // role, permission, feature, plan, or the preset name

	// Reverification only.
	rev   revForm
	level ReverificationLevel
	after int
}

type checkKind uint8

const (
	checkNone checkKind = iota
	checkRole
	checkPermission
	checkFeature
	checkPlan
	checkReverification
)

// revForm says which form a reverification Check was built from.
type revForm uint8

const (
	revInvalid revForm = iota // a nil requirement
	revPreset
	revCustom
)

// Role checks the user's role in the active organization. The "org:" prefix
// is optional on both sides: Role("admin") matches "org:admin".
// Clerk: has({ role: 'org:admin' }).
func Role(role string) Check { return Check{kind: checkRole, value: role} }

// Permission checks a permission in the active organization, for example
// "org:invoices:create"; the "org:" prefix is optional. System permissions
// ("org:sys_...") are not in session tokens and never match.
// Clerk: has({ permission: 'org:invoices:create' }).
func Permission(permission string) Check {
	return Check{kind: checkPermission, value: permission}
}

// Feature checks a Billing feature of the user or of the active organization.
// An unscoped feature ("reports") matches either; "o:", "org:" or
// "organization:" restricts it to the organization and "u:" or "user:" to
// the user. Any other scope never matches. Clerk: has({ feature: 'o:reports' }).
func Feature(feature string) Check { return Check{kind: checkFeature, value: feature} }

// Plan checks a Billing plan of the user or of the active organization, with
// the same scopes as [Feature]. Clerk: has({ plan: 'pro' }).
func Plan(plan string) Check { return Check{kind: checkPlan, value: plan} }

// Reverification checks that the user verified their credentials recently
// enough, from the fva claim. The requirement is a preset
// ([StrictMFA], [Strict], [Moderate], [Lax]) or a [ReverificationConfig]:
//
//	auth.Has(clerk.Reverification(clerk.Strict))
//	auth.Has(clerk.Reverification(clerk.ReverificationConfig{Level: clerk.SecondFactor, AfterMinutes: 30}))
//
// An unknown preset, an unknown level, AfterMinutes <= 0 or a nil
// requirement makes the check fail. Clerk: has({ reverification: 'strict' }).
func Reverification(r ReverificationRequirement) Check {
	c := Check{kind: checkReverification}
	switch r := r.(type) {
	case ReverificationPreset:
		c.rev, c.value = revPreset, string(r)
	case *ReverificationPreset:
		if r != nil {
			c.rev, c.value = revPreset, string(*r)
		}
	case ReverificationConfig:
		c.rev, c.level, c.after = revCustom, r.Level, r.AfterMinutes
	case *ReverificationConfig:
		if r != nil {
			c.rev, c.level, c.after = revCustom, r.Level, r.AfterMinutes
		}
	}
	return c
}

// String describes the check, for example `Role("org:admin")` or
// `Reverification("strict")`.
func (c Check) String() string {
	switch c.kind {
	case checkRole:
		return "Role(" + strconv.Quote(c.value) + ")"
	case checkPermission:
		return "Permission(" + strconv.Quote(c.value) + ")"
	case checkFeature:
		return "Feature(" + strconv.Quote(c.value) + ")"
	case checkPlan:
		return "Plan(" + strconv.Quote(c.value) + ")"
	case checkReverification:
		switch c.rev {
		case revPreset:
			return "Reverification(" + strconv.Quote(c.value) + ")"
		case revCustom:
			return "Reverification({Level: " + strconv.Quote(string(c.level)) +
				", AfterMinutes: " + strconv.Itoa(c.after) + "})"
		}
		return "Reverification(nil)"
	}
	return "Check{}"
}

// reverificationValue returns the requirement a reverification Check was
// built from, nil for any other Check or a nil requirement. Marshalled to
// JSON it is what Clerk puts in the metadata of a reverification error: a
// preset as "strict", a custom one as {"level":"second_factor","afterMinutes":30}.
func (c Check) reverificationValue() ReverificationRequirement {
	if c.kind != checkReverification {
		return nil
	}
	switch c.rev {
	case revPreset:
		return ReverificationPreset(c.value)
	case revCustom:
		return ReverificationConfig{Level: c.level, AfterMinutes: c.after}
	}
	return nil
}

// reverificationConfig resolves a reverification Check to its level and
// threshold; ok is false for an invalid requirement. Unlike
// reverificationValue it never boxes a value, so Has stays allocation-free.
func (c *Check) reverificationConfig() (level ReverificationLevel, afterMinutes int, ok bool) {
	switch c.rev {
	case revPreset:
		return ReverificationPreset(c.value).reverification()
	case revCustom:
		return ReverificationConfig{Level: c.level, AfterMinutes: c.after}.reverification()
	}
	return "", 0, false
}

// HasFunc is the signature of [Auth.Has], for authorization callbacks:
//
//	func(has clerk.HasFunc) bool { return has(clerk.Role("admin")) || has(clerk.Permission("org:x:y")) }
//
// It is the has argument of Clerk's auth.protect((has) => ...).
type HasFunc func(checks ...Check) bool

// ReverificationRequirement is what [Reverification] accepts: a
// [ReverificationPreset] or a [ReverificationConfig] (or a pointer to one).
// It is Clerk's ReverificationConfig type, a preset string or an object.
type ReverificationRequirement interface {
	reverification() (level ReverificationLevel, afterMinutes int, ok bool)
}

// ReverificationPreset is one of Clerk's named reverification requirements
// (Clerk's SessionVerificationTypes). It marshals to JSON as Clerk's string.
type ReverificationPreset string

// Reverification presets.
const (
	// StrictMFA: both factors verified within the last 10 minutes (only the
	// first when the user has no second factor). Clerk: 'strict_mfa'.
	StrictMFA ReverificationPreset = "strict_mfa"
	// Strict: a second factor (or, without one, the first) verified within
	// the last 10 minutes. Clerk: 'strict'.
	Strict ReverificationPreset = "strict"
	// Moderate: as Strict, within the last hour. Clerk: 'moderate'.
	Moderate ReverificationPreset = "moderate"
	// Lax: as Strict, within the last 24 hours. Clerk: 'lax'.
	Lax ReverificationPreset = "lax"
)

func (p ReverificationPreset) reverification() (ReverificationLevel, int, bool) {
	switch p {
	case StrictMFA:
		return MultiFactor, 10, true
	case Strict:
		return SecondFactor, 10, true
	case Moderate:
		return SecondFactor, 60, true
	case Lax:
		return SecondFactor, 1440, true
	}
	return "", 0, false
}

// ReverificationLevel says which factors a [ReverificationConfig] requires
// (Clerk's SessionVerificationLevel).
type ReverificationLevel string

// Reverification levels.
const (
	// FirstFactor requires a recent first factor (password, email code,
	// ...). Clerk: 'first_factor'.
	FirstFactor ReverificationLevel = "first_factor"
	// SecondFactor requires a recent second factor, or a recent first factor
	// for users without one. Clerk: 'second_factor'.
	SecondFactor ReverificationLevel = "second_factor"
	// MultiFactor requires both factors to be recent, or the first factor
	// for users without a second one. Clerk: 'multi_factor'.
	MultiFactor ReverificationLevel = "multi_factor"
)

// ReverificationConfig is a custom reverification requirement: Level
// verified less than AfterMinutes minutes ago. It marshals to JSON as
// Clerk's object, {"level":"second_factor","afterMinutes":30}.
// Clerk: has({ reverification: { level: 'second_factor', afterMinutes: 30 } }).
type ReverificationConfig struct {
	Level        ReverificationLevel `json:"level"`
	AfterMinutes int                 `json:"afterMinutes"`
}

func (c ReverificationConfig) reverification() (ReverificationLevel, int, bool) {
	switch c.Level {
	case FirstFactor, SecondFactor, MultiFactor:
	default:
		return "", 0, false
	}
	if c.AfterMinutes <= 0 {
		return "", 0, false
	}
	return c.Level, c.AfterMinutes, true
}

// Has reports whether the signed-in user meets every given check: Clerk's
// auth.has(). Each kind of check (organization role and
// permission, Billing feature and plan, reverification) is evaluated; Has is
// true when at least one was asked and passed and none failed. So Has() with
// no checks is false, and Has is always false for a signed-out session, a
// machine token or a nil a.
//
//	if auth.Has(clerk.Permission("org:invoices:create")) { ... }
//
// Role and permission checks need an active organization. Feature and plan
// checks read the fea and pla claims of v2 session tokens. Has does not
// allocate.
func (a *Auth) Has(checks ...Check) bool {
	if a == nil || a.TokenType != SessionToken || !a.IsAuthenticated || a.UserID == "" {
		return false
	}
	// Each of Clerk's dimensions is a conjunction of its checks, so every
	// check is evaluated alone and the outcomes are ANDed.
	passed := false
	for i := range checks {
		c := &checks[i]
		var o outcome
		switch c.kind {
		case checkRole:
			o = a.orgOutcome(c, nil)
		case checkPermission:
			o = a.orgOutcome(nil, c)
		case checkFeature:
			o = a.billingOutcome(c, nil)
		case checkPlan:
			o = a.billingOutcome(nil, c)
		case checkReverification:
			o = a.reverificationOutcome(c)
		default:
			continue // the zero Check asks nothing
		}
		if o == outcomeFail {
			return false
		}
		passed = passed || o == outcomePass
	}
	return passed
}

// outcome is the result of one dimension of has(): Clerk's
// 'pass' | 'fail' | 'skip'.
type outcome uint8

const (
	outcomeSkip outcome = iota
	outcomePass
	outcomeFail
)

func result(ok bool) outcome {
	if ok {
		return outcomePass
	}
	return outcomeFail
}

// orgOutcome is Clerk's checkOrgAuthorization.
func (a *Auth) orgOutcome(role, permission *Check) outcome {
	if role == nil && permission == nil {
		return outcomeSkip
	}
	if a.OrgID == "" {
		return outcomeFail
	}
	if role != nil && (a.OrgRole == "" || trimOrgPrefix(a.OrgRole) != trimOrgPrefix(role.value)) {
		return outcomeFail
	}
	if permission != nil && !containsOrgPermission(a.OrgPermissions, trimOrgPrefix(permission.value)) {
		return outcomeFail
	}
	return outcomePass
}

// trimOrgPrefix strips every leading "org:". Clerk compares
// x.replace(/^(org:)*/, 'org:'); two such values are equal exactly when
// their trimmed forms are.
func trimOrgPrefix(s string) string {
	for strings.HasPrefix(s, "org:") {
		s = s[len("org:"):]
	}
	return s
}

// containsOrgPermission reports whether perms holds "org:"+name exactly.
// The list entries themselves are not normalised, as in Clerk.
func containsOrgPermission(perms []string, name string) bool {
	for _, p := range perms {
		if len(p) == len("org:")+len(name) && strings.HasPrefix(p, "org:") && p[len("org:"):] == name {
			return true
		}
	}
	return false
}

// billingOutcome is Clerk's checkBillingAuthorization.
func (a *Auth) billingOutcome(feature, plan *Check) outcome {
	if feature == nil && plan == nil {
		return outcomeSkip
	}
	var fea, pla string
	if a.Claims != nil {
		fea, pla = a.Claims.Features, a.Claims.Plans
	}
	if feature != nil && !hasScopedEntry(fea, feature.value) {
		return outcomeFail
	}
	if plan != nil && !hasScopedEntry(pla, plan.value) {
		return outcomeFail
	}
	return outcomePass
}

// hasScopedEntry is Clerk's checkForFeatureOrPlan over a fea or pla claim
// ("o:reports,u:chat"). The query is "id", "scope:id" (only the first two
// ":"-separated pieces count) with scope o/org/organization or u/user. A
// claim entry without a scope, an empty claim or an unknown query scope is
// a failure. It does not allocate.
func hasScopedEntry(claim, query string) bool {
	if claim == "" {
		return false
	}
	id, rest, scoped := strings.Cut(query, ":")
	wantOrg, wantUser := true, true
	if scoped {
		switch id {
		case "o", "org", "organization":
			wantUser = false
		case "u", "user":
			wantOrg = false
		default:
			return false
		}
		if rawID, _, _ := strings.Cut(rest, ":"); rawID != "" {
			id = rawID
		} // else Clerk's `rawId || rawScope`: the scope is the id
	}
	found := false
	for rest, more := claim, true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		scope, value, ok := strings.Cut(jsTrim(part), ":")
		if !ok {
			return false // Clerk's splitByScope throws: the check fails
		}
		if found || value != id {
			continue
		}
		switch scope {
		case "o":
			found = wantOrg
		case "u":
			found = wantUser
		case "ou", "uo":
			found = true
		}
	}
	return found
}

// reverificationOutcome is Clerk's checkReverificationAuthorization.
func (a *Auth) reverificationOutcome(r *Check) outcome {
	if r == nil {
		return outcomeSkip
	}
	fva := a.FactorVerificationAge
	if len(fva) != 2 || !validFactorAge(fva[0]) || !validFactorAge(fva[1]) {
		return outcomeFail
	}
	level, after, ok := r.reverificationConfig()
	if !ok {
		return outcomeFail
	}
	f1, f2 := fva[0], fva[1]
	if f1 == -1 && f2 == -1 {
		return outcomeFail
	}
	// Fresh enough: verified, and strictly less than afterMinutes ago.
	fresh1 := f1 != -1 && after > f1
	fresh2 := f2 != -1 && after > f2
	switch level {
	case FirstFactor:
		return result(fresh1)
	case SecondFactor:
		if f2 == -1 {
			return result(fresh1)
		}
		return result(fresh2)
	case MultiFactor:
		if f2 == -1 {
			return result(fresh1)
		}
		if f1 == -1 {
			return outcomeFail
		}
		return result(fresh1 && fresh2)
	}
	return outcomeFail
}

func validFactorAge(x int) bool { return x == -1 || x >= 0 }

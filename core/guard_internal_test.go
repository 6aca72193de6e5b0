package clerk

import (
	"reflect"
	"testing"
	"time"
)

// Every option that is not a function or a pointer to shared state must
// change optionsKey, or two tenants differing only there would share a
// Client (PerRequest). A new Options field fails this test until it is keyed.
func TestOptionsKeyCoversEveryField(t *testing.T) {
	t.Parallel()
	base := optionsKey(&Options{})
	skip := map[string]bool{"HTTPClient": true, "Logger": true, "Clock": true}
	typ := reflect.TypeOf(Options{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if skip[f.Name] {
			continue
		}
		var o Options
		v := reflect.ValueOf(&o).Elem().Field(i)
		switch {
		case f.Type == reflect.TypeOf(time.Duration(0)):
			v.SetInt(int64(time.Second))
		case f.Type.Kind() == reflect.String:
			v.SetString("x")
		case f.Type.Kind() == reflect.Bool:
			v.SetBool(true)
		case f.Type.Kind() == reflect.Int || f.Type.Kind() == reflect.Int64:
			v.SetInt(7)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			v.Set(reflect.ValueOf([]string{"x"}))
		case f.Name == "TreatPendingAsSignedOut":
			b := false
			o.TreatPendingAsSignedOut = &b
		case f.Name == "OrganizationSync":
			o.OrganizationSync = &OrganizationSync{}
		case f.Name == "ContentSecurityPolicy":
			o.ContentSecurityPolicy = &CSPOptions{}
		default:
			t.Errorf("Options.%s (%s): teach optionsKey and this test about it", f.Name, f.Type)
			continue
		}
		if optionsKey(&o) == base {
			t.Errorf("Options.%s does not change optionsKey", f.Name)
		}
	}
	// Lists are length-prefixed: ["a,b"] is not ["a", "b"].
	a := optionsKey(&Options{AuthorizedParties: []string{"a,b"}})
	b := optionsKey(&Options{AuthorizedParties: []string{"a", "b"}})
	c := optionsKey(&Options{OrganizationSync: &OrganizationSync{OrganizationPatterns: []string{"/o/:id"}}})
	d := optionsKey(&Options{OrganizationSync: &OrganizationSync{PersonalAccountPatterns: []string{"/o/:id"}}})
	if a == b || c == d {
		t.Error("optionsKey confuses list boundaries")
	}
	// Every CSPOptions field counts too.
	seen := map[string]bool{optionsKey(&Options{ContentSecurityPolicy: &CSPOptions{}}): true}
	for _, p := range []CSPOptions{{Strict: true}, {ReportOnly: true}, {Development: true}, {ReportTo: "x"}, {Nonce: "x"},
		{Directives: map[string][]string{"img-src": {"x"}}}, {Directives: map[string][]string{"img-src": {"y"}}},
		{Directives: map[string][]string{"font-src": {"x"}}}} {
		k := optionsKey(&Options{ContentSecurityPolicy: &p})
		if seen[k] {
			t.Errorf("CSPOptions %+v gives the key of another", p)
		}
		seen[k] = true
	}
}

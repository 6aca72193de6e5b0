// Command benchtable turns `go test -bench -benchmem` output (on stdin) into
// Markdown tables, as `make bench` prints them: each verification
// benchmark's ratio to the RSA floor and to Clerk's Go SDK, then each
// adapter's Middleware+Protect against its bare route (BenchmarkAdapter
// in-process, BenchmarkAdapterHTTP over loopback HTTP). With several -count
// runs the median of each benchmark is used.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

type result struct{ ns, bytes, allocs []float64 }

func main() {
	results := map[string]*result{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r, ok := results[m[1]]
		if !ok {
			r = &result{}
			results[m[1]] = r
			order = append(order, m[1])
		}
		r.ns = append(r.ns, num(m[2]))
		r.bytes = append(r.bytes, num(m[3]))
		r.allocs = append(r.allocs, num(m[4]))
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark lines on stdin")
		os.Exit(1)
	}
	floor := medianOf(results, "BenchmarkRSAFloor")
	sdk := medianOf(results, "BenchmarkClerkSDK")
	sdkWarm := medianOf(results, "BenchmarkClerkSDKWarm")
	fmt.Println("| benchmark | ns/op | B/op | allocs/op | x RSA floor | Clerk SDK / this |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	var adapters []string
	for _, name := range order {
		if strings.HasPrefix(name, "BenchmarkAdapter") {
			adapters = append(adapters, name)
			continue
		}
		r := results[name]
		ns := median(r.ns)
		vsSDK := ""
		ref := sdk
		if strings.Contains(name, "Warm") && sdkWarm > 0 {
			ref = sdkWarm
		}
		// Clerk's Go SDK has no cookie path: a cookie row has no SDK ratio.
		if ref > 0 && !strings.HasPrefix(name, "BenchmarkClerkSDK") && !strings.Contains(name, "Cookie") {
			vsSDK = fmt.Sprintf("%.1fx", ref/ns)
		}
		vsFloor := ""
		if floor > 0 {
			vsFloor = fmt.Sprintf("%.2f", ns/floor)
		}
		fmt.Printf("| %s | %.0f | %.0f | %.0f | %s | %s |\n", strings.TrimPrefix(name, "Benchmark"), ns, median(r.bytes), median(r.allocs), vsFloor, vsSDK)
	}
	adapterTable(results, adapters)
}

// adapterTable prints, per benchmark family and framework, the guarded
// route against the bare one: names are Benchmark<Family>/<framework>/bare
// and .../clerkguard.
func adapterTable(results map[string]*result, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Println()
	fmt.Println("| adapter | bare ns/op | clerkguard ns/op | ratio | bare B/op | clerkguard B/op | bare allocs/op | clerkguard allocs/op |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, name := range names {
		base, ok := strings.CutSuffix(name, "/bare")
		if !ok {
			continue
		}
		bare, guarded := results[name], results[base+"/clerkguard"]
		if guarded == nil {
			continue
		}
		b, g := median(bare.ns), median(guarded.ns)
		fmt.Printf("| %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.0f | %.0f |\n", strings.TrimPrefix(base, "Benchmark"), b, g, g/b,
			median(bare.bytes), median(guarded.bytes), median(bare.allocs), median(guarded.allocs))
	}
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func medianOf(results map[string]*result, name string) float64 {
	if r, ok := results[name]; ok {
		return median(r.ns)
	}
	return 0
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Command loadtest measures the latency of HTTP GET requests sent by
// concurrent clients, for the performance targets in docs/benchmarks.md.
//
// Each of -c clients sends its next request as soon as the previous one was
// answered (a closed loop), until -n requests in all were answered (or -d
// elapsed). Several -url flags are taken in turn. Latency is the time from
// sending a request to reading the last byte of its body.
//
//	go run ./scripts/loadtest -url 'http://127.0.0.1:8080/api/v1/accounts?tier=D&page=1000' -c 50 -n 5000
//
// It prints one line: requests answered with 200, errors (other statuses,
// failed or timed-out requests; the first is printed on stderr), throughput
// and the latency percentiles p50, p90, p99 and max in milliseconds of the
// answered requests (requests still running when -d elapses are dropped,
// which flatters a server slower than -d allows for). With -pid it also
// samples the resident memory (VmRSS) of that process every 100 ms during the
// run and prints the largest sample and VmHWM. -json prints the same as JSON.
//
// The load generator runs on the machine it measures and takes CPU from the
// server: on a 2-core machine that is part of the result, and is noted in
// docs/benchmarks.md.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(s string) error { *u = append(*u, s); return nil }

// Result is what one run measured; times are in milliseconds.
type Result struct {
	URLs      []string `json:"urls"`
	Clients   int      `json:"clients"`
	Requests  int      `json:"requests"`
	Errors    int      `json:"errors"`
	FirstErr  string   `json:"first_error,omitempty"`
	ElapsedS  float64  `json:"elapsed_s"`
	RPS       float64  `json:"rps"`
	P50       float64  `json:"p50_ms"`
	P90       float64  `json:"p90_ms"`
	P99       float64  `json:"p99_ms"`
	Max       float64  `json:"max_ms"`
	Mean      float64  `json:"mean_ms"`
	RSSMaxKB  int64    `json:"rss_max_kb,omitempty"`
	HWMKB     int64    `json:"hwm_kb,omitempty"`
	BodyBytes int64    `json:"body_bytes"`
}

// headers are sent with every request (-H).
var headers urlList

func main() {
	var urls urlList
	flag.Var(&urls, "url", "URL to GET (repeat the flag to take several in turn)")
	clients := flag.Int("c", 50, "concurrent clients")
	total := flag.Int("n", 5000, "requests to measure (all clients together)")
	dur := flag.Duration("d", 0, "stop after this long even if -n requests were not sent (0: no limit)")
	warmup := flag.Int("warmup", 100, "requests sent first and not measured (for at most 10 s)")
	timeout := flag.Duration("timeout", 60*time.Second, "timeout of one request")
	pid := flag.Int("pid", 0, "sample VmRSS of this process during the run")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Var(&headers, "H", `header sent with every request, "Name: value" (repeat the flag for several)`)
	flag.Parse()
	if len(urls) == 0 || *clients < 1 || *total < 1 {
		fmt.Fprintln(os.Stderr, "usage: loadtest -url URL [-url URL …] [-c 50] [-n 5000] [-d 0] [-warmup 100] [-pid PID] [-json]")
		os.Exit(2)
	}
	newClient := func() *http.Client {
		tr := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients,
			DisableCompression: true, IdleConnTimeout: time.Minute}
		// A redirect (to the sign-in page) is an answer of its own, not a success.
		return &http.Client{Transport: tr, Timeout: *timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if *warmup > 0 {
		// At most 10 s of warm-up, on connections of its own: requests still
		// running at the end are cancelled, and nothing of them must reach
		// the measured run.
		c := newClient()
		run(c, urls, *clients, *warmup, 10*time.Second)
		c.CloseIdleConnections()
	}
	client := newClient()
	var stopRSS func() (int64, int64)
	if *pid > 0 {
		stopRSS = sampleRSS(*pid)
	}
	res := run(client, urls, *clients, *total, *dur)
	if stopRSS != nil {
		res.RSSMaxKB, res.HWMKB = stopRSS()
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Printf("requests=%d errors=%d clients=%d elapsed=%.2fs rps=%.0f p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms mean=%.1fms",
			res.Requests, res.Errors, res.Clients, res.ElapsedS, res.RPS, res.P50, res.P90, res.P99, res.Max, res.Mean)
		if *pid > 0 {
			fmt.Printf(" rss_max=%dMB hwm=%dMB", res.RSSMaxKB>>10, res.HWMKB>>10)
		}
		fmt.Println()
		if res.FirstErr != "" {
			fmt.Fprintln(os.Stderr, "first error:", res.FirstErr)
		}
	}
}

// run sends n requests from c clients and measures them.
func run(client *http.Client, urls []string, c, n int, limit time.Duration) Result {
	ctx := context.Background()
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	var next atomic.Int64 // the next request's number
	var (
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, n)
		errs     int
		firstErr string
		bytes    int64
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/c+1)
			var myErrs int
			var myBytes int64
			var myFirst string
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					break
				}
				u := urls[int(i)%len(urls)]
				t0 := time.Now()
				nb, err := get(ctx, client, u)
				d := time.Since(t0)
				if err != nil {
					if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
						break // -d elapsed: the request was cut, not failed
					}
					myErrs++
					if myFirst == "" {
						myFirst = err.Error()
					}
					continue
				}
				myBytes += nb
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += myErrs
			bytes += myBytes
			if firstErr == "" {
				firstErr = myFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	res := Result{URLs: urls, Clients: c, Requests: len(lat), Errors: errs, FirstErr: firstErr,
		ElapsedS: elapsed.Seconds(), BodyBytes: bytes}
	if len(lat) > 0 {
		res.RPS = float64(len(lat)) / elapsed.Seconds()
		res.P50, res.P90, res.P99 = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.90)), ms(quantile(lat, 0.99))
		res.Max = ms(lat[len(lat)-1])
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		res.Mean = ms(sum / time.Duration(len(lat)))
	}
	return res
}

func get(ctx context.Context, client *http.Client, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	return n, nil
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// sampleRSS reads /proc/PID/status every 100 ms until the returned function
// is called, which returns the largest VmRSS seen and the final VmHWM (kB).
func sampleRSS(pid int) func() (int64, int64) {
	done := make(chan struct{})
	var maxRSS atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _ := procStatus(pid); rss > maxRSS.Load() {
				maxRSS.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		rss, hwm := procStatus(pid)
		return max(maxRSS.Load(), rss), hwm
	}
}

// procStatus returns VmRSS and VmHWM of a process in kB (0 when unknown).
func procStatus(pid int) (rss, hwm int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			rss = n
		} else {
			hwm = n
		}
	}
	return rss, hwm
}

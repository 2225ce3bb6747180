// Command fetchall GETs every URL read from stdin, -c at a time over
// kept-alive connections, and prints the seconds it took for all of them.
// It fails unless every answer is a 200 whose body was read whole. The
// load scripts use it where each request must be one never made before
// (a cold path), which wrk and hey, made to repeat requests, do not do;
// a curl process per request would add its own start-up to both sides.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	c := flag.Int("c", 4, "requests at a time")
	flag.Parse()
	var urls []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if u := sc.Text(); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		fmt.Fprintln(os.Stderr, "fetchall: no URLs on stdin")
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c}, Timeout: time.Minute}
	// One connection per worker, opened before the clock starts.
	next := make(chan string)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	start := time.Now()
	for range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				resp, err := client.Get(u)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, u+": "+err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for _, u := range urls {
		next <- u
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if len(failures) > 0 {
		fmt.Fprintf(os.Stderr, "fetchall: %d of %d failed, first: %s\n", len(failures), len(urls), failures[0])
		os.Exit(1)
	}
	fmt.Printf("%.4f\n", elapsed.Seconds())
}

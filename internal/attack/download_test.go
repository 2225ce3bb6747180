//go:build attack

package attack

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMovingDownloadsFinish: -write-timeout cuts a client that stops
// reading, never one that keeps reading, however slowly. Each body is
// several times what the client reads within the timeout, on both paths:
// the original (sendfile from disk, slowly: its chunks wait on the
// client's window) and a derived image (bytes in memory, fast enough that
// the kernel's buffers do not hold the whole body).
func TestMovingDownloadsFinish(t *testing.T) {
	s := start(t, "-write-timeout", "1s")
	small := s.upload("image/png", noisePNG(t, 800, 600))
	large := s.upload("image/png", noisePNG(t, 2000, 1500))
	for _, tc := range []struct {
		name, path string
		rate       int // bytes a second
	}{
		{"original (sendfile)", small.Url, 250 << 10},
		{"derived (in memory)", large.Url + "?w=1999", 1500 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got, want int64
			s.attack(fmt.Sprintf("GET %s read at %d KB/s, -write-timeout 1s", tc.name, tc.rate>>10), []int{200}, func(tl *tally) {
				resp, n, err := slowGet(s.base, tc.path, tc.rate)
				tl.add(resp, err)
				if resp != nil {
					got, want = n, resp.ContentLength
				}
			})
			if got != want || want < int64(3*tc.rate) {
				t.Errorf("read %d of %d bytes (want the whole body, over %d)", got, want, 3*tc.rate)
			}
		})
	}
	if strings.Contains(s.log.String(), `"cut":true`) {
		t.Errorf("the log reports responses cut:\n%s", tail(s.log.String(), 2000))
	}
}

// slowGet GETs path and reads the body at rate bytes a second, in 8 KiB
// pieces.
func slowGet(base, path string, rate int) (*http.Response, int64, error) {
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	br := bufio.NewReaderSize(c, 8<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	var n int64
	buf := make([]byte, 8<<10)
	for {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return resp, n, nil
		}
		if err != nil {
			return resp, n, err
		}
		if ahead := time.Duration(n)*time.Second/time.Duration(rate) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
	}
}

// TestShutdownCutsAreLogged: a download still running when
// -shutdown-timeout ends gets its access-log line, marked cut.
func TestShutdownCutsAreLogged(t *testing.T) {
	s := start(t, "-shutdown-timeout", "1s")
	im := s.upload("image/png", noisePNG(t, 2000, 1500))
	c, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(c, "GET %s?w=1999 HTTP/1.1\r\nHost: x\r\n\r\n", im.Url) // and never read
	time.Sleep(time.Second)
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("pngd did not exit within 15 s of SIGTERM")
	}
	var cut bool
	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, im.Url) && strings.Contains(line, `"cut":true`) && strings.Contains(line, "shutdown-timeout") {
			cut = true
		}
	}
	if !cut {
		t.Errorf("no access-log line for the download the shutdown cut:\n%s", tail(s.log.String(), 3000))
	}
}

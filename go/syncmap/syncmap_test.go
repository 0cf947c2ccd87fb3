// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package syncmap

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test VM runs these with SYNCMAP_REQUIRE_DEVICE=1 and the device
// loaded with max_entries=64 max_key_len=256 max_value_len=1024.
func device(t *testing.T) *Map {
	t.Helper()
	m, err := Open("")
	if err != nil {
		if os.Getenv("SYNCMAP_REQUIRE_DEVICE") == "" {
			t.Skip("no /dev/syncmap:", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Clear(); m.Close() })
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
	return m
}

// must[T](t)(call()) is call's value, failing t on its error.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestMethods(t *testing.T) {
	m := device(t)
	if err := m.Store("a", "apple"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := m.Load("a"); v != "apple" || !ok || err != nil {
		t.Fatalf("Load(a) = %q, %v, %v", v, ok, err)
	}
	if v, ok, err := m.Load("b"); v != "" || ok || err != nil {
		t.Fatalf("Load(b) = %q, %v, %v", v, ok, err)
	}
	if v, loaded, err := m.LoadOrStore("a", "avocado"); v != "apple" || !loaded || err != nil {
		t.Fatalf("LoadOrStore(a) = %q, %v, %v", v, loaded, err)
	}
	if v, loaded, err := m.LoadOrStore("b", "banana"); v != "banana" || loaded || err != nil {
		t.Fatalf("LoadOrStore(b) = %q, %v, %v", v, loaded, err)
	}
	if v, loaded, err := m.Swap("b", "blueberry"); v != "banana" || !loaded || err != nil {
		t.Fatalf("Swap(b) = %q, %v, %v", v, loaded, err)
	}
	if v, loaded, err := m.Swap("c", "cherry"); v != "" || loaded || err != nil {
		t.Fatalf("Swap(c) = %q, %v, %v", v, loaded, err)
	}
	if ok := must[bool](t)(m.CompareAndSwap("c", "wrong", "x")); ok {
		t.Fatal("CompareAndSwap with the wrong old value swapped")
	}
	if ok := must[bool](t)(m.CompareAndSwap("c", "cherry", "coconut")); !ok {
		t.Fatal("CompareAndSwap did not swap")
	}
	if ok := must[bool](t)(m.CompareAndSwap("none", "", "x")); ok {
		t.Fatal("CompareAndSwap of an absent key swapped")
	}
	if ok := must[bool](t)(m.CompareAndDelete("c", "cherry")); ok {
		t.Fatal("CompareAndDelete with the wrong old value deleted")
	}
	if ok := must[bool](t)(m.CompareAndDelete("c", "coconut")); !ok {
		t.Fatal("CompareAndDelete did not delete")
	}
	if v, loaded, err := m.LoadAndDelete("b"); v != "blueberry" || !loaded || err != nil {
		t.Fatalf("LoadAndDelete(b) = %q, %v, %v", v, loaded, err)
	}
	if v, loaded, err := m.LoadAndDelete("b"); v != "" || loaded || err != nil {
		t.Fatalf("LoadAndDelete(b) again = %q, %v, %v", v, loaded, err)
	}
	if n := must[int](t)(m.Len()); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
	if err := m.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("a"); err != nil {
		t.Fatal("Delete of an absent key:", err)
	}
	s := must[Stats](t)(m.Stats())
	if s.Entries != 0 || s.MaxEntries != 64 || s.MaxKeyLen != 256 || s.MaxValueLen != 1024 {
		t.Fatalf("Stats = %+v", s)
	}
	m.Store("x", "1")
	if err := m.Clear(); err != nil || must[int](t)(m.Len()) != 0 {
		t.Fatal("Clear left keys:", err)
	}
}

func TestBytes(t *testing.T) {
	m := device(t)
	big := strings.Repeat("v", 1000) // more than Load's first buffer
	for k, v := range map[string]string{"": "empty key", "a\x00b": "\x00\xff", "big": big, "none": ""} {
		if err := m.Store(k, v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := m.Load(k); got != v || !ok || err != nil {
			t.Fatalf("Load(%q) = %q, %v, %v", k, got, ok, err)
		}
	}
	if old, loaded, err := m.Swap("big", "small"); old != big || !loaded || err != nil {
		t.Fatalf("Swap(big) = %d bytes, %v, %v", len(old), loaded, err)
	}
}

func TestErrors(t *testing.T) {
	m := device(t)
	if err := m.Store(strings.Repeat("k", 257), "v"); !errors.Is(err, syscall.E2BIG) {
		t.Fatal("long key:", err)
	}
	if err := m.Store("k", strings.Repeat("v", 1025)); !errors.Is(err, syscall.E2BIG) {
		t.Fatal("long value:", err)
	}
	for i := 0; i < 64; i++ {
		if err := m.Store(strconv.Itoa(i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Store("65th", ""); !errors.Is(err, syscall.ENOSPC) {
		t.Fatal("a key past max_entries:", err)
	}
	ro, err := OpenReadOnly("")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, ok, err := ro.Load("0"); !ok || err != nil {
		t.Fatal("read-only Load:", ok, err)
	}
	if err := ro.Store("k", "v"); !errors.Is(err, syscall.EBADF) {
		t.Fatal("read-only Store:", err)
	}
	if _, err := Open("no-such-map"); !errors.Is(err, syscall.ENOENT) {
		t.Fatal("Open of an absent map:", err)
	}
}

func named(t *testing.T, name string, opts CreateOptions) {
	t.Helper()
	Destroy(name)
	if err := Create(name, opts); err != nil {
		if os.Getenv("SYNCMAP_REQUIRE_DEVICE") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { Destroy(name) })
}

func TestNamed(t *testing.T) {
	named(t, "gotest", CreateOptions{MaxEntries: 16, MaxKeyLen: 32, MaxValueLen: 64, Mode: 0640})
	if err := Create("gotest", CreateOptions{}); !errors.Is(err, syscall.EEXIST) {
		t.Fatal("Create twice:", err)
	}
	if err := Create("bad/name", CreateOptions{}); !errors.Is(err, syscall.EINVAL) {
		t.Fatal("Create with a bad name:", err)
	}
	found := false
	for _, i := range must[[]Info](t)(List()) {
		if i.Name == "gotest" {
			found = i.MaxEntries == 16 && i.MaxKeyLen == 32 && i.MaxValueLen == 64 && i.Mode == 0640
		}
	}
	if !found {
		t.Fatal("List does not show gotest with its limits")
	}
	a := must[*Map](t)(Open("gotest"))
	defer a.Close()
	b := must[*Map](t)(Open("/dev/syncmaps/gotest"))
	defer b.Close()
	if err := a.Store("shared", "yes"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := b.Load("shared"); v != "yes" || !ok {
		t.Fatal("a second open does not see the value")
	}
	if err := Destroy("gotest"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open("gotest"); !errors.Is(err, syscall.ENOENT) {
		t.Fatal("Open after Destroy:", err)
	}
	if n := must[int](t)(a.Len()); n != 1 {
		t.Fatal("an open map lost its keys at Destroy:", n)
	}
}

// Processes sharing one map: this test binary run again as a helper.
func TestHelperProcess(t *testing.T) {
	name := os.Getenv("SYNCMAP_HELPER_MAP")
	if name == "" {
		t.Skip("run by TestProcesses")
	}
	m := must[*Map](t)(Open(name))
	defer m.Close()
	for i := 0; i < 200; i++ {
		increment(t, m)
	}
	m.Store("helper-"+strconv.Itoa(os.Getpid()), "done")
}

func increment(t *testing.T, m *Map) {
	for {
		v, _, err := m.Load("counter")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(v)
		if ok := must[bool](t)(m.CompareAndSwap("counter", v, strconv.Itoa(n+1))); ok {
			return
		}
	}
}

func TestProcesses(t *testing.T) {
	named(t, "gotest-procs", CreateOptions{})
	m := must[*Map](t)(Open("gotest-procs"))
	defer m.Close()
	m.Store("counter", "0")
	var cmds []*exec.Cmd
	for i := 0; i < 3; i++ {
		c := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		c.Env = append(os.Environ(), "SYNCMAP_HELPER_MAP=gotest-procs")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for i := 0; i < 200; i++ {
		increment(t, m)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal("helper:", err)
		}
		if v, ok, _ := m.Load("helper-" + strconv.Itoa(c.Process.Pid)); v != "done" || !ok {
			t.Fatal("a helper's key is missing")
		}
	}
	if v, _, _ := m.Load("counter"); v != "800" {
		t.Fatalf("counter = %s, want 800", v)
	}
}

// Range keeps sync.Map's guarantee while other goroutines write.
func TestRangeConcurrentWriters(t *testing.T) {
	m := device(t)
	for i := 0; i < 30; i++ {
		m.Store(fmt.Sprintf("stable%d", i), strconv.Itoa(i))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("churn%d-%d", w, i%15)
				if i%30 < 15 {
					m.Store(k, strings.Repeat("x", i%100))
				} else {
					m.Delete(k)
				}
			}
		}(w)
	}
	for round := 0; round < 50; round++ {
		seen := map[string]int{}
		err := m.Range(func(k, v string) bool {
			seen[k]++
			if strings.HasPrefix(k, "stable") && k[6:] != v {
				t.Errorf("%s = %s", k, v)
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("%s seen %d times", k, n)
			}
		}
		for i := 0; i < 30; i++ {
			if seen[fmt.Sprintf("stable%d", i)] != 1 {
				t.Fatalf("stable%d missing from a Range", i)
			}
		}
	}
	close(stop)
	wg.Wait()
	n := 0
	m.Range(func(k, v string) bool { n++; return n < 5 })
	if n != 5 {
		t.Fatal("Range did not stop when f returned false:", n)
	}
}

// A kernel module reads what Go stored: syncmap_named_example greets with
// the greeting of its map, example_cfg, when told to.
func TestKernelModule(t *testing.T) {
	mod := os.Getenv("SYNCMAP_TEST_MODULE")
	if mod == "" {
		t.Skip("SYNCMAP_TEST_MODULE=syncmap_named_example, loaded")
	}
	m := must[*Map](t)(Open("example_cfg"))
	defer m.Close()
	greeting := "from Go " + strconv.Itoa(os.Getpid())
	if err := m.Store("greeting", greeting); err != nil {
		t.Fatal(err)
	}
	m.Store("repeat", "1")
	before, _, _ := m.Load("greeted")
	if err := os.WriteFile("/sys/module/"+mod+"/parameters/greet", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	want := []byte(mod + ": greeting: " + greeting)
	deadline := time.Now().Add(5 * time.Second)
	for !kmsgHas(t, want) {
		if time.Now().After(deadline) {
			t.Fatalf("the module did not log %q", want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after, _, _ := m.Load("greeted"); after == before {
		t.Fatal("the module did not count its greeting in the map")
	}
}

func kmsgHas(t *testing.T, want []byte) bool {
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EPIPE {
			continue // records overwritten meanwhile
		}
		if err != nil || n <= 0 {
			return false
		}
		if bytes.Contains(buf[:n], want) {
			return true
		}
	}
}

// SPDX-License-Identifier: GPL-2.0

// gomap runs the workloads of bench/native/mapbench.c (Go's
// src/sync/map_bench_test.go, the lookups at any size, and the Mix
// workloads) on Go's own sync.Map and, with -rwmutex, on a map guarded by
// a sync.RWMutex (Go's RWMutexMap, map_reference_test.go), the same way:
// for a fixed time, with 1 and 2 goroutines (GOMAXPROCS = goroutines),
// ns/op = wall time / operations of all. Built with Go 1.23 (the classic
// read/dirty sync.Map) and Go 1.26 (the hash-trie of Go >= 1.24); the map
// is named after the toolchain: go1.23, go1.23-rwmutex, go1.26.
//
// Usage: gomap [-t ms] [-k keys] [-w workload] [-n threads] [-rwmutex]
//        gomap -M [-k keys] [-rwmutex]
//        gomap -L [-t ms] [-k keys] [-rwmutex]   StoreLatency
// Prints NATIVE|workload|keys|threads|map|int|ns_per_op|ops,
// MEM|map|int|keys|bytes_per_key, or
// LAT|map|int|keys|stores|p50|p99|p999|max|-|preempted|p999_kept|max_kept
// (ns; Go's maps have no lock hold to report; preempted: stores during
// which the storer's thread was preempted, which "kept" leaves out).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type mapInterface interface {
	Load(key any) (any, bool)
	Store(key, value any)
	LoadOrStore(key, value any) (any, bool)
	LoadAndDelete(key any) (any, bool)
	Delete(key any)
	Swap(key, value any) (any, bool)
	CompareAndSwap(key, old, new any) bool
	Range(f func(key, value any) bool)
	Clear()
}

// rwMutexMap is Go's RWMutexMap: a plain map under a sync.RWMutex.
type rwMutexMap struct {
	mu    sync.RWMutex
	dirty map[any]any
}

func (m *rwMutexMap) Load(key any) (any, bool) {
	m.mu.RLock()
	v, ok := m.dirty[key]
	m.mu.RUnlock()
	return v, ok
}

func (m *rwMutexMap) Store(key, value any) {
	m.mu.Lock()
	if m.dirty == nil {
		m.dirty = make(map[any]any)
	}
	m.dirty[key] = value
	m.mu.Unlock()
}

func (m *rwMutexMap) LoadOrStore(key, value any) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.dirty[key]; ok {
		return v, true
	}
	if m.dirty == nil {
		m.dirty = make(map[any]any)
	}
	m.dirty[key] = value
	return value, false
}

func (m *rwMutexMap) LoadAndDelete(key any) (any, bool) {
	m.mu.Lock()
	v, ok := m.dirty[key]
	delete(m.dirty, key)
	m.mu.Unlock()
	return v, ok
}

func (m *rwMutexMap) Delete(key any) {
	m.mu.Lock()
	delete(m.dirty, key)
	m.mu.Unlock()
}

func (m *rwMutexMap) Swap(key, value any) (any, bool) {
	m.mu.Lock()
	if m.dirty == nil {
		m.dirty = make(map[any]any)
	}
	v, ok := m.dirty[key]
	m.dirty[key] = value
	m.mu.Unlock()
	return v, ok
}

func (m *rwMutexMap) CompareAndSwap(key, old, new any) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.dirty[key]; ok && v == old {
		m.dirty[key] = new
		return true
	}
	return false
}

func (m *rwMutexMap) Range(f func(key, value any) bool) {
	m.mu.RLock()
	keys := make([]any, 0, len(m.dirty))
	for k := range m.dirty {
		keys = append(keys, k)
	}
	m.mu.RUnlock()
	for _, k := range keys {
		v, ok := m.Load(k)
		if !ok {
			continue
		}
		if !f(k, v) {
			break
		}
	}
}

func (m *rwMutexMap) Clear() {
	m.mu.Lock()
	clear(m.dirty)
	m.mu.Unlock()
}

var failures atomic.Int64

func fail(what string, k int) {
	if failures.Add(1) <= 5 {
		fmt.Fprintf(os.Stderr, "gomap: %s (key %d)\n", what, k)
	}
}

type workload struct {
	name  string
	sized bool // runs at every -k; the others at Go's own sizes
	setup func(m mapInterface, n int)
	perG  func(m mapInterface, n, i int, stop *atomic.Bool) int
}

const chunk = 64 // operations between looks at the stop flag

// loop runs at least one chunk, even if the goroutine first runs after
// the stop (a 2 ms smoke run on a loaded machine).
func loop(stop *atomic.Bool, op func()) int {
	n := 0
	for first := true; first || !stop.Load(); first = false {
		for c := 0; c < chunk; c++ {
			op()
		}
		n += chunk
	}
	return n
}

func setupHits(m mapInterface, hits int) {
	for i := 0; i < hits; i++ {
		m.LoadOrStore(i, i)
	}
	for i := 0; i < hits*2; i++ {
		m.Load(i % hits)
	}
}

func perGLoad(m mapInterface, n, i int, stop *atomic.Bool) int {
	return loop(stop, func() { m.Load(i % n); i++ })
}

func setupN(cnt int) func(m mapInterface, n int) {
	return func(m mapInterface, n int) {
		for i := 0; i < cnt; i++ {
			m.LoadOrStore(i, i)
		}
	}
}

// xorshift advances *s (Marsaglia's xorshift64, as mapbench.c) and
// returns it.
func xorshift(s *uint64) uint64 {
	*s ^= *s << 13
	*s ^= *s >> 7
	*s ^= *s << 17
	return *s
}

// Mixes: loads / stores / deletes per mille on keys 0 .. 2n-1, of which
// 0 .. n-1 are stored first, as bench/native/mapbench.c runs them.
func setupMix(m mapInterface, n int) {
	for i := 0; i < n; i++ {
		m.Store(i, i)
	}
}

func perGMix(loads, stores int) func(m mapInterface, n, i int, stop *atomic.Bool) int {
	return func(m mapInterface, n, i int, stop *atomic.Bool) int {
		seed := uint64(0x9e3779b97f4a7c15) ^ uint64(i)
		return loop(stop, func() {
			xorshift(&seed)
			k := int((seed >> 16) % uint64(2*n))
			pick := int(seed % 1000)
			switch {
			case pick < loads:
				m.Load(k)
			case pick < loads+stores:
				m.Store(k, k)
			default:
				m.Delete(k)
			}
		})
	}
}

var workloads = []workload{
	{"LoadMostlyHits", true, func(m mapInterface, n int) { setupHits(m, n-1) }, perGLoad},
	{"LoadMostlyMisses", true, func(m mapInterface, n int) { setupHits(m, 1) }, perGLoad},
	{"LoadOrStoreBalanced", false, setupN(128),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				j := i % 256
				if j < 128 {
					if _, ok := m.LoadOrStore(j, i); !ok {
						fail("unexpected miss", j)
					}
				} else if _, loaded := m.LoadOrStore(i, i); loaded {
					fail("unexpected hit", i)
				}
				i++
			})
		}},
	{"LoadOrStoreUnique", false, nil,
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.LoadOrStore(i, i); i++ })
		}},
	{"LoadOrStoreCollision", false, setupN(1),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.LoadOrStore(0, 0) })
		}},
	{"LoadAndDeleteBalanced", false, setupN(128),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if j := i % 256; j < 128 {
					m.LoadAndDelete(j)
				} else {
					m.LoadAndDelete(i)
				}
				i++
			})
		}},
	{"LoadAndDeleteCollision", false, setupN(1),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if _, loaded := m.LoadAndDelete(0); loaded {
					m.Store(0, 0)
				}
			})
		}},
	{"Range", false, setupN(1024),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.Range(func(_, _ any) bool { return true }) })
		}},
	{"AdversarialAlloc", false, nil,
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			var stores, since int
			return loop(stop, func() {
				m.Load(i)
				if since++; since > stores {
					m.LoadOrStore(i, stores)
					since = 0
					stores++
				}
				i++
			})
		}},
	{"AdversarialDelete", false, setupN(1024),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				m.Load(i)
				if i%1024 == 0 {
					m.Range(func(k, _ any) bool { m.Delete(k); return false })
					m.Store(i, i)
				}
				i++
			})
		}},
	{"SwapCollision", false, setupN(1),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.Swap(0, 0) })
		}},
	{"CompareAndSwapCollision", false, setupN(1),
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if m.CompareAndSwap(0, 0, 42) {
					m.CompareAndSwap(0, 42, 0)
				}
			})
		}},
	{"Clear", false, nil,
		func(m mapInterface, n, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				k, v := i%256, i%256
				m.Clear()
				m.Store(k, v)
				i++
			})
		}},
	{"Mix100", true, setupMix, perGMix(1000, 0)},
	{"Mix99", true, setupMix, perGMix(990, 5)},
	{"Mix90", true, setupMix, perGMix(900, 50)},
	{"Mix75", true, setupMix, perGMix(750, 125)},
}

// goName is "go1.23" for Go 1.23.x: the map names of the result table.
func goName() string {
	v := runtime.Version()
	if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

func newMap(impl string) mapInterface {
	if strings.HasSuffix(impl, "-rwmutex") {
		return new(rwMutexMap)
	}
	return new(sync.Map)
}

func run(w workload, impl string, n, threads int, d time.Duration) {
	m := newMap(impl)
	runtime.GOMAXPROCS(threads)
	if w.setup != nil {
		w.setup(m, n)
	}
	var stop atomic.Bool
	var wg, ready sync.WaitGroup
	start := make(chan struct{})
	ops := make([]int, threads)
	for id := 0; id < threads; id++ {
		wg.Add(1)
		ready.Add(1)
		go func(id int) {
			defer wg.Done()
			ready.Done()
			<-start
			i := id << 40 // Go: id * b.N
			if w.sized {
				i = id*(n/threads) + id
			}
			ops[id] = w.perG(m, n, i, &stop)
		}(id)
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0)
	total := 0
	for _, c := range ops {
		total += c
	}
	ns := 0.0
	if total > 0 {
		ns = float64(elapsed.Nanoseconds()) / float64(total)
	}
	fmt.Printf("NATIVE|%s|%d|%d|%s|int|%.2f|%d\n", w.name, n, threads, impl, ns, total)
	runtime.GC()
}

// Heap bytes per key of a map holding n keys, after a collection.
func measureMemory(impl string, n int) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := newMap(impl)
	setupHits(m, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("MEM|%s|int|%d|%.1f\n", impl, n,
		float64(after.HeapAlloc-before.HeapAlloc)/float64(n))
	runtime.KeepAlive(m)
}

// latCheckNs: stores slower than this are checked for a context switch.
const latCheckNs = 10000

// contextSwitches is how often the calling OS thread was preempted (not
// how often it slept: a store that waits is slow for its own reasons).
func contextSwitches() int64 {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD, which package syscall lacks
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		panic(err)
	}
	return ru.Nivcsw
}

// storeLatency is mapbench -L: one goroutine stores, alternately a new
// key and a random existing one, timing each store; another loads random
// keys, present and absent.
func storeLatency(impl string, n int, d time.Duration) {
	const maxSamples = 1 << 22
	m := newMap(impl)
	runtime.GOMAXPROCS(2)
	setupHits(m, n)
	runtime.GC()
	samples := make([]int64, 0, maxSamples)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	kept := make([]int64, 0, maxSamples)
	go func() {
		defer wg.Done()
		// The storer's own thread, so that its context switches are
		// this goroutine's: a store slower than latCheckNs during which
		// it was preempted is counted, and left out of "kept", as in
		// mapbench (which says why only slow ones are checked).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		seed, fresh := uint64(0x2545f4914f6cdd1d), n
		cs := contextSwitches()
		// At least one store, as the C driver: a loaded machine may start us late.
		for i := 0; i < maxSamples && (i == 0 || !stop.Load()); i++ {
			k := fresh
			if i&1 == 1 {
				k = int(xorshift(&seed) % uint64(n))
			} else {
				fresh++
			}
			t0 := time.Now()
			m.Store(k, k)
			dt := time.Since(t0).Nanoseconds()
			samples = append(samples, dt)
			if dt > latCheckNs {
				if cs1 := contextSwitches(); cs1 != cs {
					cs = cs1
					continue
				}
			}
			kept = append(kept, dt)
		}
	}()
	go func() {
		defer wg.Done()
		seed := uint64(0x9e3779b97f4a7c15)
		loop(&stop, func() {
			m.Load(int(xorshift(&seed) % uint64(2*n)))
		})
	}()
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	c, k := len(samples), len(kept)
	if c == 0 {
		fail("no store finished", 0)
		return
	}
	slices.Sort(samples)
	slices.Sort(kept)
	// "-": every store was preempted (go1.23's one store of a run can
	// take a second: it copies the map)
	keptCols := "-|-"
	if k > 0 {
		keptCols = fmt.Sprintf("%d|%d", kept[k*999/1000], kept[k-1])
	}
	fmt.Printf("LAT|%s|int|%d|%d|%d|%d|%d|%d|-|%d|%s\n", impl, n, c,
		samples[c/2], samples[c*99/100], samples[c*999/1000], samples[c-1],
		c-k, keptCols)
	runtime.KeepAlive(m)
}

func main() {
	ms := flag.Int("t", 200, "milliseconds per run")
	keys := flag.Int("k", 1024, "keys of the sized workloads")
	only := flag.String("w", "", "run only this workload")
	threads := flag.Int("n", 0, "only this many goroutines (default 1 and 2)")
	rw := flag.Bool("rwmutex", false, "also RWMutexMap")
	mem := flag.Bool("M", false, "bytes per key instead of timings")
	lat := flag.Bool("L", false, "StoreLatency instead of throughput")
	flag.Parse()
	impls := []string{goName()}
	if *rw {
		impls = append(impls, goName()+"-rwmutex")
	}
	if *mem {
		for _, impl := range impls {
			measureMemory(impl, *keys)
		}
		return
	}
	if *lat {
		for _, impl := range impls {
			storeLatency(impl, *keys, time.Duration(*ms)*time.Millisecond)
		}
		return
	}
	maxT := 2
	if *threads > 0 {
		maxT = *threads
	}
	for _, impl := range impls {
		for _, w := range workloads {
			if *only != "" && *only != w.name {
				continue
			}
			if *only == "" && !w.sized && *keys != 1024 {
				continue
			}
			n := 1024
			if w.sized {
				n = *keys
			}
			for t := 1; t <= maxT; t++ {
				if *threads > 0 && t != *threads {
					continue
				}
				run(w, impl, n, t, time.Duration(*ms)*time.Millisecond)
			}
		}
	}
	if failures.Load() > 0 {
		os.Exit(1)
	}
}

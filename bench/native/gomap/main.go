// SPDX-License-Identifier: GPL-2.0

// gomap runs the workloads of Go's src/sync/map_bench_test.go on Go's
// own sync.Map and on a map guarded by a sync.RWMutex (Go's RWMutexMap,
// map_reference_test.go), the same way bench/native/syncmap_native.c runs
// them on syncmap: for a fixed time, with 1 and 2 goroutines
// (GOMAXPROCS = goroutines), ns/op = wall time / operations of all.
//
// Usage: gomap [-t ms] [-w workload] [-n threads]
// Prints NATIVE|workload|threads|impl|ns_per_op|ops.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
	setup func(m mapInterface)
	perG  func(m mapInterface, i int, stop *atomic.Bool) int
}

const chunk = 64 // operations between looks at the stop flag

func loop(stop *atomic.Bool, op func()) int {
	n := 0
	for !stop.Load() {
		for c := 0; c < chunk; c++ {
			op()
		}
		n += chunk
	}
	return n
}

func setupHits(hits int) func(m mapInterface) {
	return func(m mapInterface) {
		for i := 0; i < hits; i++ {
			m.LoadOrStore(i, i)
		}
		for i := 0; i < hits*2; i++ {
			m.Load(i % hits)
		}
	}
}

func perGLoad(hits, misses int) func(m mapInterface, i int, stop *atomic.Bool) int {
	return func(m mapInterface, i int, stop *atomic.Bool) int {
		return loop(stop, func() { m.Load(i % (hits + misses)); i++ })
	}
}

func setupN(n int, f func(m mapInterface, i int)) func(m mapInterface) {
	return func(m mapInterface) {
		for i := 0; i < n; i++ {
			f(m, i)
		}
	}
}

func loadOrStore(m mapInterface, i int) { m.LoadOrStore(i, i) }
func store(m mapInterface, i int)       { m.Store(i, i) }

var workloads = []workload{
	{"LoadMostlyHits", setupHits(1023), perGLoad(1023, 1)},
	{"LoadMostlyMisses", setupHits(1), perGLoad(1, 1023)},
	{"LoadOrStoreBalanced", setupN(128, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
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
	{"LoadOrStoreUnique", nil,
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.LoadOrStore(i, i); i++ })
		}},
	{"LoadOrStoreCollision", setupN(1, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.LoadOrStore(0, 0) })
		}},
	{"LoadAndDeleteBalanced", setupN(128, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if j := i % 256; j < 128 {
					m.LoadAndDelete(j)
				} else {
					m.LoadAndDelete(i)
				}
				i++
			})
		}},
	{"LoadAndDeleteCollision", setupN(1, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if _, loaded := m.LoadAndDelete(0); loaded {
					m.Store(0, 0)
				}
			})
		}},
	{"Range", setupN(1024, store),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.Range(func(_, _ any) bool { return true }) })
		}},
	{"AdversarialAlloc", nil,
		func(m mapInterface, i int, stop *atomic.Bool) int {
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
	{"AdversarialDelete", setupN(1024, store),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				m.Load(i)
				if i%1024 == 0 {
					m.Range(func(k, _ any) bool { m.Delete(k); return false })
					m.Store(i, i)
				}
				i++
			})
		}},
	{"SwapCollision", setupN(1, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() { m.Swap(0, 0) })
		}},
	{"CompareAndSwapCollision", setupN(1, loadOrStore),
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				if m.CompareAndSwap(0, 0, 42) {
					m.CompareAndSwap(0, 42, 0)
				}
			})
		}},
	{"Clear", nil,
		func(m mapInterface, i int, stop *atomic.Bool) int {
			return loop(stop, func() {
				k, v := i%256, i%256
				m.Clear()
				m.Store(k, v)
				i++
			})
		}},
}

func run(w workload, impl string, threads int, d time.Duration) {
	var m mapInterface
	if impl == "go-sync.Map" {
		m = new(sync.Map)
	} else {
		m = new(rwMutexMap)
	}
	runtime.GOMAXPROCS(threads)
	if w.setup != nil {
		w.setup(m)
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
			ops[id] = w.perG(m, id<<40, &stop)
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
	for _, n := range ops {
		total += n
	}
	ns := 0.0
	if total > 0 {
		ns = float64(elapsed.Nanoseconds()) / float64(total)
	}
	fmt.Printf("NATIVE|%s|%d|%s|%.2f|%d\n", w.name, threads, impl, ns, total)
	runtime.GC()
}

func main() {
	ms := flag.Int("t", 200, "milliseconds per run")
	only := flag.String("w", "", "run only this workload")
	threads := flag.Int("n", 0, "only this many goroutines (default 1 and 2)")
	impls := flag.String("m", "both", "go-sync.Map, go-rwmutex or both")
	flag.Parse()
	maxT := 2
	if *threads > 0 {
		maxT = *threads
	}
	for _, w := range workloads {
		if *only != "" && *only != w.name {
			continue
		}
		for t := 1; t <= maxT; t++ {
			if *threads > 0 && t != *threads {
				continue
			}
			for _, impl := range []string{"go-sync.Map", "go-rwmutex"} {
				if *impls == "both" || *impls == impl {
					run(w, impl, t, time.Duration(*ms)*time.Millisecond)
				}
			}
		}
	}
	if failures.Load() > 0 {
		os.Exit(1)
	}
}

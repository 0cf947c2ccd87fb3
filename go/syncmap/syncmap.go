// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

// Package syncmap is Go's sync.Map over a map of the kernel's syncmap
// device: /dev/syncmap, or a named map under /dev/syncmaps/ that other
// processes and kernel modules share.
//
// A Map has sync.Map's methods with keys and values as strings (byte
// strings: any bytes, the empty string included), each also returning an
// error, since the kernel may refuse a call: a key or value past the
// map's limits (syscall.E2BIG), a new key of a full map (ENOSPC), a
// user's quota (EDQUOT), a read-only open (EBADF). errors.Is tells them
// apart. Other types go through an encoding: encoding/binary for fixed
// sizes, encoding/json or encoding/gob for the rest, as
// string(binary.LittleEndian.AppendUint64(nil, v)).
//
// A Map is safe for concurrent use by goroutines; the kernel's map is
// safe for concurrent use by processes.
package syncmap

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

// Map is an open map of the syncmap device.
type Map struct {
	fd   int
	path string
}

// Stats is what the device's STATS command reports.
type Stats = rawStats

// Info describes a named map, as List reports it.
type Info struct {
	Name        string
	Entries     uint64
	MaxEntries  uint64
	MaxKeyLen   uint32
	MaxValueLen uint32
	UID, GID    uint32
	Mode        uint32
}

// CreateOptions are a named map's limits and mode; zero means the
// device's default (the module parameters; mode 0600).
type CreateOptions struct {
	MaxEntries  uint32
	MaxKeyLen   uint32
	MaxValueLen uint32
	Mode        uint32
}

func nodePath(name string) string {
	switch {
	case name == "":
		return "/dev/syncmap"
	case containsSlash(name):
		return name
	default:
		return "/dev/syncmaps/" + name
	}
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

func open(name string, mode int) (*Map, error) {
	path := nodePath(name)
	fd, err := syscall.Open(path, mode|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &pathError{"open", path, err}
	}
	return &Map{fd: fd, path: path}, nil
}

// Open opens a map for reading and writing: "" is /dev/syncmap, the
// device's one map that every opener shares; a name is /dev/syncmaps/name;
// a path (with a '/') is that node.
func Open(name string) (*Map, error) { return open(name, syscall.O_RDWR) }

// OpenReadOnly opens a map for Load, Range, Len and Stats only.
func OpenReadOnly(name string) (*Map, error) { return open(name, syscall.O_RDONLY) }

// Close closes the map; the kernel's map stays (a named one until
// Destroy).
func (m *Map) Close() error { return syscall.Close(m.fd) }

type pathError struct {
	op, path string
	err      error
}

func (e *pathError) Error() string { return "syncmap: " + e.op + " " + e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func (m *Map) fail(op string, err error) error {
	return &pathError{op, m.path, err}
}

func (m *Map) kv(req uintptr, a *kv) error {
	return ioctl(m.fd, req, unsafe.Pointer(a))
}

// valueCall runs a command that copies a value into a (value or old),
// growing the buffer the kernel needs more for.
func (m *Map) valueCall(req uintptr, a *kv, intoOld bool) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		if intoOld {
			a.old, a.oldLen = bufOf(buf), uint32(len(buf))
		} else {
			a.value, a.valueLen = bufOf(buf), uint32(len(buf))
		}
		a.flags = 0
		err := m.kv(req, a)
		n := a.valueLen
		if intoOld {
			n = a.oldLen
		}
		if err == syscall.ERANGE {
			buf = make([]byte, n)
			continue
		}
		return buf[:n], err
	}
}

func keyArg(key string) kv {
	return kv{key: bytesOf(key), keyLen: uint32(len(key))}
}

func checkLen(s string) error {
	if uint64(len(s)) > 1<<32-1 {
		return syscall.E2BIG
	}
	return nil
}

// loadCall runs LOAD or LOAD_AND_DELETE: the value, and whether there
// is one.
func (m *Map) loadCall(op string, req uintptr, key string) (string, bool, error) {
	if err := checkLen(key); err != nil {
		return "", false, m.fail(op, err)
	}
	a := keyArg(key)
	v, err := m.valueCall(req, &a, false)
	if err == syscall.ENOENT {
		return "", false, nil
	}
	if err != nil {
		return "", false, m.fail(op, err)
	}
	return string(v), true, nil
}

// Load returns the value stored for key, and whether there is one.
func (m *Map) Load(key string) (value string, ok bool, err error) {
	return m.loadCall("load", iocLoad, key)
}

// Store sets the value for key.
func (m *Map) Store(key, value string) error {
	if err := errors.Join(checkLen(key), checkLen(value)); err != nil {
		return m.fail("store", syscall.E2BIG)
	}
	a := keyArg(key)
	a.value, a.valueLen = bytesOf(value), uint32(len(value))
	if err := m.kv(iocStore, &a); err != nil {
		return m.fail("store", err)
	}
	return nil
}

// oldCall runs LOAD_OR_STORE or SWAP: the value stored or not, and the
// previous one if there was one.
func (m *Map) oldCall(op string, req uintptr, key, value string) (string, bool, error) {
	if err := errors.Join(checkLen(key), checkLen(value)); err != nil {
		return "", false, m.fail(op, syscall.E2BIG)
	}
	a := keyArg(key)
	a.value, a.valueLen = bytesOf(value), uint32(len(value))
	old, err := m.valueCall(req, &a, true)
	if err != nil {
		return "", false, m.fail(op, err)
	}
	return string(old), a.flags&flagLoaded != 0, nil
}

// LoadOrStore returns the existing value for key if there is one
// (loaded true); otherwise it stores value and returns it.
func (m *Map) LoadOrStore(key, value string) (actual string, loaded bool, err error) {
	old, loaded, err := m.oldCall("load-or-store", iocLoadOrStore, key, value)
	if err != nil || loaded {
		return old, loaded, err
	}
	return value, false, nil
}

// LoadAndDelete deletes the value for key, returning it and whether there
// was one.
func (m *Map) LoadAndDelete(key string) (value string, loaded bool, err error) {
	return m.loadCall("load-and-delete", iocLoadAndDelete, key)
}

// Delete deletes the value for key.
func (m *Map) Delete(key string) error {
	if err := checkLen(key); err != nil {
		return m.fail("delete", err)
	}
	a := keyArg(key)
	if err := m.kv(iocDelete, &a); err != nil {
		return m.fail("delete", err)
	}
	return nil
}

// Swap stores value for key and returns the previous value, if any.
func (m *Map) Swap(key, value string) (previous string, loaded bool, err error) {
	old, loaded, err := m.oldCall("swap", iocSwap, key, value)
	if !loaded {
		old = ""
	}
	return old, loaded, err
}

// CompareAndSwap stores new for key if its value is old.
func (m *Map) CompareAndSwap(key, old, new string) (swapped bool, err error) {
	if err := errors.Join(checkLen(key), checkLen(old), checkLen(new)); err != nil {
		return false, m.fail("compare-and-swap", syscall.E2BIG)
	}
	a := keyArg(key)
	a.old, a.oldLen = bytesOf(old), uint32(len(old))
	a.value, a.valueLen = bytesOf(new), uint32(len(new))
	if err := m.kv(iocCompareAndSwap, &a); err != nil {
		return false, m.fail("compare-and-swap", err)
	}
	return a.flags&flagSwapped != 0, nil
}

// CompareAndDelete deletes key if its value is old.
func (m *Map) CompareAndDelete(key, old string) (deleted bool, err error) {
	if err := errors.Join(checkLen(key), checkLen(old)); err != nil {
		return false, m.fail("compare-and-delete", syscall.E2BIG)
	}
	a := keyArg(key)
	a.old, a.oldLen = bytesOf(old), uint32(len(old))
	if err := m.kv(iocCompareAndDelete, &a); err != nil {
		return false, m.fail("compare-and-delete", err)
	}
	return a.flags&flagSwapped != 0, nil
}

// Range calls f for each key and value while f returns true, with
// sync.Map's guarantee: no key twice, and a key present and unchanged for
// the whole of Range exactly once, whatever other goroutines, processes
// or modules do to the map meanwhile.
func (m *Map) Range(f func(key, value string) bool) error {
	buf := make([]byte, 64<<10)
	var cursor uint64
	for {
		r := rangeArg{cursor: cursor, buf: bufOf(buf), bufLen: uint32(len(buf))}
		err := ioctl(m.fd, iocRange, unsafe.Pointer(&r))
		if err == syscall.ERANGE {
			buf = make([]byte, r.bufLen)
			continue
		}
		if err != nil {
			return m.fail("range", err)
		}
		p := buf[:r.bufLen]
		for i := uint32(0); i < r.count; i++ {
			kl := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
			vl := uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16 | uint32(p[7])<<24
			if nativeBigEndian {
				kl = uint32(p[3]) | uint32(p[2])<<8 | uint32(p[1])<<16 | uint32(p[0])<<24
				vl = uint32(p[7]) | uint32(p[6])<<8 | uint32(p[5])<<16 | uint32(p[4])<<24
			}
			k := string(p[8 : 8+kl])
			v := string(p[8+kl : 8+kl+vl])
			if !f(k, v) {
				return nil
			}
			p = p[(8+kl+vl+7)&^7:]
		}
		if r.flags&rangeDone != 0 {
			return nil
		}
		cursor = r.cursor
	}
}

var nativeBigEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}()

// Clear deletes every key.
func (m *Map) Clear() error {
	if err := ioctl(m.fd, iocClear, nil); err != nil {
		return m.fail("clear", err)
	}
	return nil
}

// Stats returns the map's number of keys, limits and counters.
func (m *Map) Stats() (Stats, error) {
	var s Stats
	if err := ioctl(m.fd, iocStats, unsafe.Pointer(&s)); err != nil {
		return s, m.fail("stats", err)
	}
	return s, nil
}

// Len returns the number of keys in the map.
func (m *Map) Len() (int, error) {
	s, err := m.Stats()
	return int(s.Entries), err
}

func control(req uintptr, arg unsafe.Pointer) error {
	fd, err := syscall.Open("/dev/syncmap-control", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &pathError{"open", "/dev/syncmap-control", err}
	}
	defer syscall.Close(fd)
	return ioctl(fd, req, arg)
}

func setName(dst *[nameLen]byte, name string) error {
	if len(name) == 0 || len(name) >= nameLen {
		return syscall.EINVAL
	}
	copy(dst[:], name)
	return nil
}

// Create creates the named map /dev/syncmaps/name.
func Create(name string, opts CreateOptions) error {
	a := createArg{maxEntries: opts.MaxEntries, maxKeyLen: opts.MaxKeyLen,
		maxValueLen: opts.MaxValueLen, mode: opts.Mode}
	err := setName(&a.name, name)
	if err == nil {
		err = control(iocCreate, unsafe.Pointer(&a))
	}
	if err != nil {
		return fmt.Errorf("syncmap: create %q: %w", name, err)
	}
	return nil
}

// Destroy removes a named map's name and node; open Maps keep working on
// it until closed.
func Destroy(name string) error {
	var a nameArg
	err := setName(&a.name, name)
	if err == nil {
		err = control(iocDestroy, unsafe.Pointer(&a))
	}
	if err != nil {
		return fmt.Errorf("syncmap: destroy %q: %w", name, err)
	}
	return nil
}

// List returns the named maps.
func List() ([]Info, error) {
	buf := make([]rawInfo, 16)
	for {
		a := listArg{buf: unsafe.Pointer(&buf[0]), count: uint32(len(buf))}
		err := control(iocList, unsafe.Pointer(&a))
		if err == syscall.ERANGE {
			buf = make([]rawInfo, a.count+8)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("syncmap: list: %w", err)
		}
		out := make([]Info, a.count)
		for i := range out {
			r := &buf[i]
			n := 0
			for n < nameLen && r.name[n] != 0 {
				n++
			}
			out[i] = Info{Name: string(r.name[:n]), Entries: r.entries,
				MaxEntries: r.maxEntries, MaxKeyLen: r.maxKeyLen,
				MaxValueLen: r.maxValueLen, UID: r.uid, GID: r.gid, Mode: r.mode}
		}
		return out, nil
	}
}
